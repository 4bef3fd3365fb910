// A libcurl HTTP client for integration tests (unix socket, tcp, tls), podman's `t` assertion helper, and `run`,
// which runs a command line (docker, podman, openssl) by argv and captures its output.
#pragma once

#include <spawn.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth::test {

// HTTP field names compare without case, as in the protocol.
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Response {
  long status = 0;
  Headers headers;  // the last value wins for a repeated field
  std::string body;

  bool has_header(std::string_view name) const { return headers.find(name) != headers.end(); }
  std::string header(std::string_view name) const;  // "" when absent
  nlohmann::json json() const;                      // throws when the body is not JSON
  std::string describe() const;                     // status, headers and body, for failure messages
};

// Client files of docker's --tlsverify model.
struct TlsClientFiles {
  std::string ca;    // verifies the server
  std::string cert;  // empty: present no client certificate
  std::string key;
};

// One client per endpoint; every request uses a fresh connection, so a test never holds a connection open
// without meaning to (berthd's --time counts connections).
class ApiClient {
 public:
  static ApiClient unix_socket(std::string path);
  static ApiClient tcp(std::string host, int port);
  static ApiClient tls(std::string host, int port, TlsClientFiles files);

  // Throws std::runtime_error with curl's message when no HTTP response arrives (refused, handshake failed...).
  Response request(std::string_view method, std::string_view path, std::string_view body = {},
                   const HeaderList& headers = {}) const;
  std::string describe() const;  // where it connects

 private:
  ApiClient() = default;
  std::string unix_path_;
  std::string base_url_;  // scheme://host:port, or http://d on a unix socket
  TlsClientFiles tls_;
  bool use_tls_ = false;
};

// podman's test/apiv2 `t`: a request, its status, and JSON paths (`.a.b[0].c`, `.["key with space"]`, a
// `|length` suffix) with the value jq -r would print (strings bare, numbers and booleans as text, null and
// missing keys as "null", arrays and objects as compact JSON), or "~regex" for a regex search. Failures name
// the method, path, status and body. Returns the response for further checks.
using JsonChecks = std::vector<std::pair<std::string, std::string>>;
Response t(const ApiClient& client, std::string_view method, std::string_view path, long status,
           const JsonChecks& checks = {});
Response t(const ApiClient& client, std::string_view method, std::string_view path, std::string_view body, long status,
           const JsonChecks& checks = {});

// What a JSON path selects, rendered as jq -r would print it; throws on a malformed path.
std::string jq_render(const nlohmann::json& doc, std::string_view path);

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
  bool timed_out = false;
  std::string describe() const;  // exit code and both streams, for failure messages
};

// Extra environment for `run` (the last setting of a name wins), set on top of this process's environment, from
// which DOCKER_*, CONTAINER_HOST, CONTAINER_CONNECTION, CONTAINERS_*, LISTEN_* and NOTIFY_SOCKET are dropped so
// that the machine's settings leak into no test.
using Env = std::vector<std::pair<std::string, std::string>>;

// Runs argv (argv[0] is looked up in PATH) with posix_spawn, stdin from `input` (or /dev/null), in its own
// process group, which is killed when the timeout passes.
RunResult run(const std::vector<std::string>& argv, const Env& env = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(30), std::string_view input = {});

// The environment `run` starts from, with `env` applied: "NAME=value" entries.
std::vector<std::string> child_environment(const Env& env);

// Spawn attributes for a test child: default handling of the signals tests send or ignore, an empty signal mask
// (whatever this process uses), and with new_group its own process group (so a timeout kills what it started).
// The caller owns *attr and destroys it with posix_spawnattr_destroy.
void init_child_attributes(posix_spawnattr_t* attr, bool new_group);

// Starts argv (argv[0] a path) in this process group with stdin from /dev/null and stdout and stderr appended to
// log_path; returns its pid. Throws std::runtime_error naming argv[0] when it cannot start.
pid_t spawn_logged(const std::vector<std::string>& argv, const Env& env, const std::string& log_path);

// argv/envp arrays for exec pointing into `strings` (which must outlive them), NULL-terminated.
std::vector<char*> c_strings(std::vector<std::string>& strings);

}  // namespace berth::test
