// berth_bench exec and exec-floor: an exec of `true` the way a client does it (create, hijacked start read to the
// end of the stream, inspect for the exit code), against a bare `runc exec` of the same container.
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench.hpp"

extern char** environ;

namespace berth::bench {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string post(std::string_view path, std::string_view body, bool upgrade = false) {
  std::string r = "POST " + std::string(path) + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: berth-bench\r\n";
  r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (upgrade) r += "Connection: Upgrade\r\nUpgrade: tcp\r\n";
  r += "\r\n";
  r += body;
  return r;
}

std::string exchange(Connection& c, const std::string& req, int want, const std::string& what) {
  std::string out;
  c.keep_bodies(&out);
  c.send_all(req);
  auto info = c.read_response();
  c.keep_bodies(nullptr);
  if (info.status != want)
    throw std::runtime_error(what + ": " + std::to_string(info.status) + " " + out.substr(0, 300));
  return out;
}

// The value after "KEY": in a JSON text (no nesting needed: Id, ExitCode, Running are top level).
std::string json_field(const std::string& doc, const std::string& key) {
  auto at = doc.find("\"" + key + "\":");
  if (at == std::string::npos) throw std::runtime_error("no " + key + " in " + doc.substr(0, 300));
  at += key.size() + 3;
  while (at < doc.size() && doc[at] == ' ') ++at;
  if (doc[at] == '"') return doc.substr(at + 1, doc.find('"', at + 1) - at - 1);
  auto end = doc.find_first_of(",}", at);
  return doc.substr(at, end - at);
}

// POST /exec/ID/start on a connection of its own with the upgrade headers, as the docker CLI does; reads the
// head and then the stream until the server closes it. Returns the stream's byte count.
std::size_t hijacked_start(const Target& target, const std::string& id, std::chrono::milliseconds timeout) {
  if (target.tcp) throw std::invalid_argument("exec needs --socket");
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", target.unix_path.c_str());
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    throw std::runtime_error("connect " + target.unix_path + ": " + std::strerror(e));
  }
  std::string req = post("/v1.41/exec/" + id + "/start", R"({"Detach":false,"Tty":false})", true);
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    throw std::runtime_error("exec start: send failed");
  }
  std::string head;
  std::size_t total = 0;
  bool in_head = true;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      throw std::runtime_error(std::string("exec start: ") + (e == EAGAIN ? "timed out" : std::strerror(e)));
    }
    if (in_head) {
      head.append(buf, static_cast<std::size_t>(n));
      auto end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      in_head = false;
      int status = std::atoi(head.c_str() + head.find(' ') + 1);
      if (status != 101 && status != 200) {
        ::close(fd);
        throw std::runtime_error("exec start: " + head.substr(0, 300));
      }
      total += head.size() - end - 4;
    } else {
      total += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  if (in_head) throw std::runtime_error("exec start: closed before a response: " + head.substr(0, 300));
  return total;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void print_times(const char* name, const std::vector<double>& v, const std::string& extra = "") {
  double sum = 0;
  for (double x : v) sum += x;
  std::printf("%s runs=%zu min_ms=%.2f p50_ms=%.2f p90_ms=%.2f max_ms=%.2f mean_ms=%.2f%s\n", name, v.size(),
              percentile(v, 0.0), percentile(v, 0.5), percentile(v, 0.9), percentile(v, 1.0),
              v.empty() ? 0.0 : sum / static_cast<double>(v.size()), extra.c_str());
}

}  // namespace

int run_exec(const Options& opts) {
  Target target = opts.target();
  std::string ctr = opts.str("container", "");
  if (ctr.empty()) throw std::invalid_argument("exec needs --container NAME");
  long runs = opts.num("runs", 50), warmup = opts.num("warmup", 3);
  auto timeout = std::chrono::milliseconds(opts.num("timeout-ms", 30000));
  std::string body = R"({"Cmd":[")" + opts.str("cmd", "true") + R"("],"AttachStdout":true,"AttachStderr":true})";

  Connection c(target, timeout);
  std::vector<double> total, create_ms, start_ms, inspect_ms;
  for (long i = 0; i < warmup + runs; ++i) {
    auto a = Clock::now();
    std::string id =
        json_field(exchange(c, post("/v1.41/containers/" + ctr + "/exec", body), 201, "exec create"), "Id");
    auto b = Clock::now();
    hijacked_start(target, id, timeout);
    auto s = Clock::now();
    std::string doc =
        exchange(c, "GET /v1.41/exec/" + id + "/json HTTP/1.1\r\nHost: localhost\r\n\r\n", 200, "inspect");
    auto e = Clock::now();
    if (json_field(doc, "Running") != "false" || json_field(doc, "ExitCode") != "0")
      throw std::runtime_error("exec " + id + " did not end with 0: " + doc.substr(0, 400));
    if (i < warmup) continue;
    total.push_back(ms_between(a, e));
    create_ms.push_back(ms_between(a, b));
    start_ms.push_back(ms_between(b, s));
    inspect_ms.push_back(ms_between(s, e));
  }
  char extra[160];
  std::snprintf(extra, sizeof extra, " create_p50_ms=%.2f start_p50_ms=%.2f inspect_p50_ms=%.2f",
                percentile(create_ms, 0.5), percentile(start_ms, 0.5), percentile(inspect_ms, 0.5));
  print_times("exec", total, extra);
  return 0;
}

int run_exec_floor(const Options& opts) {
  std::string root = opts.str("runc-root", ""), ctr = opts.str("container", "");
  if (root.empty() || ctr.empty()) throw std::invalid_argument("exec-floor needs --runc-root DIR --container ID");
  std::string runc = opts.str("runc", "/usr/sbin/runc"), cmd = opts.str("cmd", "true");
  long runs = opts.num("runs", 50), warmup = opts.num("warmup", 3);
  std::vector<std::string> args{runc, "--root", root, "exec", ctr, cmd};
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  std::vector<double> times;
  for (long i = 0; i < warmup + runs; ++i) {
    auto a = Clock::now();
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    if (rc != 0) throw std::runtime_error("spawn " + runc + ": " + std::strerror(rc));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    auto b = Clock::now();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error("runc exec " + ctr + " " + cmd + " failed (status " + std::to_string(status) + ")");
    if (i >= warmup) times.push_back(ms_between(a, b));
  }
  posix_spawn_file_actions_destroy(&fa);
  print_times("exec-floor", times);
  return 0;
}

}  // namespace berth::bench
