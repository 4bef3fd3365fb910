// What the registry client tests share: berthd with its own registries.conf, docker commands (with stdin), the
// busybox import, output line matching, and a TCP listener that never answers.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/common.hpp"
#include "tests/integration/image_fixtures.hpp"
#include "tests/support/registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace berth::test::regcli {

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

inline std::string hex(const std::string& id) { return id.rfind("sha256:", 0) == 0 ? id.substr(7) : id; }

// The lines of `text` that match `regex` in full.
inline std::vector<std::string> matching_lines(const std::string& text, const std::string& regex) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::regex re(regex);
  for (std::string line; std::getline(in, line);)
    if (std::regex_match(line, re)) out.push_back(line);
  return out;
}

inline bool has_line(const std::string& text, const std::string& regex) { return !matching_lines(text, regex).empty(); }

inline bool mentions(const std::string& text, const std::string& regex) {
  return std::regex_search(text, std::regex(regex, std::regex::icase));
}

// A [[registry]] entry that lets berthd talk plain http to `host` (the test registries have no TLS).
inline std::string insecure_entry(const std::string& host) {
  return "[[registry]]\nlocation = \"" + host + "\"\ninsecure = true\n";
}

// berthd reading `conf` (written into `tmp`) as registries.conf instead of the machine's, plus `extra` env.
inline BerthdOptions with_registries_conf(const TempDir& tmp, const std::string& conf, const Env& extra = {}) {
  BerthdOptions o;
  o.env = {{"CONTAINERS_REGISTRIES_CONF", tmp.write("registries.conf", conf)}};
  o.env.insert(o.env.end(), extra.begin(), extra.end());
  return o;
}

// docker with `input` on stdin (docker login --password-stdin).
inline RunResult docker_stdin(const Berthd& d, const std::vector<std::string>& args, const Env& extra,
                              std::string_view input) {
  std::vector<std::string> argv{kDockerCli};
  argv.insert(argv.end(), args.begin(), args.end());
  Env env = d.cli_env();
  env.emplace_back("DOCKER_HOST", d.url());
  env.insert(env.end(), extra.begin(), extra.end());
  return run(argv, env, std::chrono::seconds(60), input);
}

// A docker command that must succeed; returns its result.
inline RunResult docker_ok(const Berthd& d, const std::vector<std::string>& args, const Env& extra = {}) {
  auto r = d.docker(args, extra);
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(r.exit_code == 0);
  return r;
}

// A docker command that must fail; returns its result.
inline RunResult docker_fails(const Berthd& d, const std::vector<std::string>& args, const Env& extra = {}) {
  auto r = d.docker(args, extra);
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(r.exit_code != 0);
  REQUIRE(!r.timed_out);
  return r;
}

// `docker import` of a busybox rootfs with `marker` as `ref`; returns the image ID ("sha256:...").
inline std::string docker_import(const Berthd& d, const TempDir& tmp, const std::string& marker,
                                 const std::string& ref) {
  auto file = tmp.sub(marker + ".tar");
  { std::ofstream(file, std::ios::binary) << busybox_rootfs_tar(marker); }
  auto id = trim(docker_ok(d, {"import", "--change", "CMD [\"sh\"]", file, ref}).out);
  REQUIRE(std::regex_match(id, std::regex("sha256:[0-9a-f]{64}")));
  return id;
}

// `docker inspect --format FORMAT ref`, trimmed.
inline std::string docker_inspect(const Berthd& d, const std::string& format, const std::string& ref) {
  return trim(docker_ok(d, {"inspect", "--type", "image", "--format", format, ref}).out);
}

// Files under berthd's blob store (0 before it has one).
inline std::size_t blob_files(const Berthd& d) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(d.root() + "/blobs", ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file()) ++n;
  }
  return n;
}

// A TCP listener on 127.0.0.1 that never answers: connections wait in the kernel's backlog until
// peer_closes_within() accepts one and watches for the client to hang up.
struct HangingServer {
  HangingServer() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 16) == 0);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~HangingServer() { ::close(fd); }
  HangingServer(const HangingServer&) = delete;
  HangingServer& operator=(const HangingServer&) = delete;

  std::string host() const { return "127.0.0.1:" + std::to_string(port); }

  // Accepts the first waiting connection and reads (discarding the request) until the peer closes it. True when
  // that happens before `timeout`; false when no connection came or it stayed open.
  bool peer_closes_within(std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto left = [&] {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      return static_cast<int>(std::max<long long>(0, ms.count()));
    };
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, left()) != 1) return false;
    int conn = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return false;
    bool closed = false;
    for (;;) {
      pollfd c{conn, POLLIN, 0};
      if (::poll(&c, 1, left()) != 1) break;
      char buf[4096];
      auto n = ::read(conn, buf, sizeof buf);
      if (n <= 0) {
        closed = true;  // EOF or reset: the client gave up the connection
        break;
      }
    }
    ::close(conn);
    return closed;
  }

  int fd = -1, port = 0;
};

}  // namespace berth::test::regcli
