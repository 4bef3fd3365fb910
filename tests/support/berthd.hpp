// The Berthd fixture: a real berthd on a temp socket, root and runroot, with its log captured, stopped and
// leak-checked at teardown; plus helpers to run the docker and podman CLIs against it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/api_client.hpp"

namespace berth::test {

// The berthd binary under test. Defined by the test program (the integration tests pass the build's BERTHD_PATH),
// so this library needs no compile definition of its own.
std::string default_berthd_path();

struct BerthdOptions {
  std::vector<std::string> listen;  // URIs after the flags; empty: unix://<dir>/berth.sock
  std::vector<std::string> args;    // more flags, e.g. {"--time", "1"}
  Env env;                          // added to berthd's environment
  std::string root;                 // empty: <dir>/root; another daemon's root to share it
  // systemd socket activation: the fixture binds and listens on socket() itself and passes it as fd 3 with
  // LISTEN_FDS=1 and LISTEN_PID=<berthd's pid>.
  bool socket_activation = false;
  bool wait_ready = true;  // false: start() returns right after the spawn (for a daemon that must fail)
  std::chrono::milliseconds ready_timeout = std::chrono::seconds(10);
  std::string binary;  // empty: default_berthd_path()
};

class Berthd {
 public:
  explicit Berthd(BerthdOptions options = {});
  ~Berthd();
  Berthd(const Berthd&) = delete;
  Berthd& operator=(const Berthd&) = delete;

  // Spawns berthd (again, on the same dirs after stop()) and, unless !wait_ready, waits until the first listener
  // answers any HTTP response (a TLS listener: accepts a connection). Fails the test with the log's tail when
  // berthd exits first or is not ready in time.
  void start();
  // SIGTERM, then waits (SIGKILL after 10 s, which fails the test). Returns the exit code, 128 + signal when a
  // signal ended it. Checks that no process berthd started outlives it.
  int stop();
  // The exit code once berthd has exited within `timeout`; nullopt while it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();

  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }  // the temp dir holding everything below
  const std::string& socket() const { return socket_; }
  std::string url() const { return "unix://" + socket_; }
  const std::string& root() const { return root_; }
  const std::string& runroot() const { return runroot_; }
  std::string log() const;  // berthd's stdout and stderr, every start so far
  std::string log_tail(std::size_t lines = 30) const;
  const ApiClient& api() const { return api_; }
  Response request(std::string_view method, std::string_view path, std::string_view body = {},
                   const HeaderList& headers = {}) const {
    return api_.request(method, path, body, headers);
  }

  // HOME, XDG_* and DOCKER_CONFIG in the temp dir: the CLIs neither read nor write the machine's configuration.
  Env cli_env() const;
  // docker with DOCKER_HOST=url(); `extra` is applied last (e.g. another DOCKER_HOST).
  RunResult docker(const std::vector<std::string>& args, const Env& extra = {},
                   std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // podman --remote --url url() ...
  RunResult podman(const std::vector<std::string>& args, const Env& extra = {},
                   std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

 private:
  void spawn();
  void spawn_activated();
  void wait_ready();
  int reaped(int wait_status);  // records the exit, checks for leaked processes; returns the exit code
  void cleanup() noexcept;

  BerthdOptions opts_;
  std::string dir_, socket_, root_, runroot_, log_path_;
  ApiClient api_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// `t` against the daemon's unix socket; a failure also shows the tail of berthd's log.
Response t(const Berthd& d, std::string_view method, std::string_view path, long status, const JsonChecks& checks = {});
Response t(const Berthd& d, std::string_view method, std::string_view path, std::string_view body, long status,
           const JsonChecks& checks = {});

// A process the test runs next to berthd (TestRegistry's docker-registry): while marked running, the leak check
// at berthd's exit knows it is the test's own child, not one berthd left behind.
void mark_fixture_process(pid_t pid, bool running);

// A tcp port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
int free_tcp_port();

constexpr const char* kDockerCli = "/usr/local/bin/docker";
constexpr const char* kPodmanCli = "/usr/bin/podman";

}  // namespace berth::test
