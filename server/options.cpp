// Command-line parsing for berthd.
#include "server/options.hpp"

#include <charconv>

#include "core/error.hpp"

namespace berth {
namespace {

[[noreturn]] void bad(const std::string& message) { core::fail(core::Errc::invalid_argument, message); }

int to_int(std::string_view flag, std::string_view value, int min) {
  int n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size() || n < min)
    bad("invalid value \"" + std::string(value) + "\" for " + std::string(flag) +
        ": want an integer >= " + std::to_string(min));
  return n;
}

}  // namespace

std::string usage() {
  return R"(Usage: berthd [options] [URI ...]

Berth serves the Podman libpod REST API and the Docker Engine-compatible API.

URI is unix:///path (default unix:///run/podman/podman.sock; parent directories are created, the socket
is mode 0660) or tcp://HOST:PORT (TLS with --tls-cert/--tls-key). Under systemd socket activation
(LISTEN_FDS/LISTEN_PID) the passed sockets are used instead.

Options:
  --root DIR            persistent state (default /var/lib/berth)
  --runroot DIR         runtime state (default /run/berth)
  --config FILE         a containers.conf read after the system ones
  -t, --time SECONDS    exit after SECONDS without connections; 0 = never (default 0)
  --log-level LEVEL     debug, info, warn or error (default info)
  --tls-cert FILE       server certificate (PEM) for tcp:// listeners
  --tls-key FILE        server key (PEM)
  --tls-verify-ca FILE  require client certificates signed by this CA
  --io-threads N        threads serving connections (default 2)
  --workers N           threads running blocking engine work (default 16)
  -h, --help            show this help
  -v, --version         show the version
)";
}

CommandLine parse_command_line(int argc, const char* const* argv) {
  CommandLine cl;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string_view value;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0) {
      if (auto eq = arg.find('='); eq != std::string_view::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline = true;
      }
    }
    auto next = [&]() -> std::string {
      if (has_inline) return std::string(value);
      if (i + 1 >= args.size()) bad("flag needs an argument: " + std::string(arg));
      return std::string(args[++i]);
    };
    if (arg == "-h" || arg == "--help") {
      cl.help = true;
    } else if (arg == "-v" || arg == "--version") {
      cl.version = true;
    } else if (arg == "--root") {
      cl.root = next();
    } else if (arg == "--runroot") {
      cl.runroot = next();
    } else if (arg == "--config") {
      cl.config_file = next();
    } else if (arg == "-t" || arg == "--time" || arg == "--timeout") {
      cl.daemon.idle_exit = std::chrono::seconds(to_int(arg, next(), 0));
    } else if (arg == "--log-level") {
      cl.log_level = next();
    } else if (arg == "--tls-cert") {
      cl.daemon.tls.cert = next();
    } else if (arg == "--tls-key") {
      cl.daemon.tls.key = next();
    } else if (arg == "--tls-verify-ca") {
      cl.daemon.tls.verify_ca = next();
    } else if (arg == "--io-threads") {
      cl.daemon.io_threads = to_int(arg, next(), 1);
    } else if (arg == "--workers") {
      cl.daemon.workers = to_int(arg, next(), 1);
    } else if (!arg.empty() && arg[0] == '-') {
      bad("unknown flag: " + std::string(arg));
    } else {
      cl.daemon.uris.emplace_back(arg);
    }
  }
  if (cl.daemon.tls.cert.empty() != cl.daemon.tls.key.empty()) bad("--tls-cert and --tls-key go together");
  if (!cl.daemon.tls.verify_ca.empty() && cl.daemon.tls.cert.empty())
    bad("--tls-verify-ca needs --tls-cert and --tls-key");
  if (cl.root.empty() || cl.root.front() != '/') bad("--root must be an absolute path");
  if (cl.runroot.empty() || cl.runroot.front() != '/') bad("--runroot must be an absolute path");
  return cl;
}

}  // namespace berth
