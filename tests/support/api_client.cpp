// The libcurl test client, the `t` helper, jq-style path rendering and `run`.
#include "tests/support/api_client.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <regex>
#include <stdexcept>
#include <utility>

extern char** environ;

namespace berth::test {
namespace {

constexpr std::size_t kBodyShown = 4000;  // failure messages show this much of a body

// curl_global_init is not thread-safe and must run once before any handle; a function-local static does that.
void init_curl_once() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response head (after 100 Continue): only the final one counts
  } else if (auto colon = line.find(':'); colon != std::string::npos) {
    (*headers)[trim(line.substr(0, colon))] = trim(line.substr(colon + 1));
  }
  return size * n;
}

std::string shown(const std::string& body) {
  if (body.size() <= kBodyShown) return body;
  return body.substr(0, kBodyShown) + "... (" + std::to_string(body.size()) + " bytes)";
}

// Variables that would point a CLI (or berthd) at the machine's own services or configuration.
bool dropped_from_environment(std::string_view name) {
  for (std::string_view prefix : {"DOCKER_", "CONTAINERS_", "LISTEN_"})
    if (name.rfind(prefix, 0) == 0) return true;
  return name == "CONTAINER_HOST" || name == "CONTAINER_CONNECTION" || name == "CONTAINER_SSHKEY" ||
         name == "NOTIFY_SOCKET";
}

// One step of a JSON path: a key or an array index.
struct PathStep {
  bool is_index = false;
  std::string key;
  std::size_t index = 0;
};

std::vector<PathStep> parse_path(std::string_view path) {
  std::vector<PathStep> steps;
  std::size_t i = 0;
  auto bad = [&](const std::string& why) {
    throw std::invalid_argument("bad JSON path \"" + std::string(path) + "\": " + why);
  };
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      if (i < path.size() && path[i] != '[' && path[i] != '.') {
        std::size_t end = i;
        while (end < path.size() && path[end] != '.' && path[end] != '[') ++end;
        steps.push_back({.key = std::string(path.substr(i, end - i))});
        i = end;
      }
    } else if (path[i] == '[') {
      auto close = path.find(']', i);
      if (close == std::string_view::npos) bad("unclosed [");
      auto inner = path.substr(i + 1, close - i - 1);
      if (inner.size() >= 2 && inner.front() == '"' && inner.back() == '"') {
        steps.push_back({.key = std::string(inner.substr(1, inner.size() - 2))});
      } else {
        if (inner.empty() || inner.find_first_not_of("0123456789") != std::string_view::npos)
          bad("index must be a number or a quoted key");
        steps.push_back({.is_index = true, .index = std::stoul(std::string(inner))});
      }
      i = close + 1;
    } else {
      bad("unexpected '" + std::string(1, path[i]) + "'");
    }
  }
  return steps;
}

std::string render(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();  // numbers, booleans and null print as jq prints them; containers compactly
}

void check_response(std::string_view method, std::string_view path, const Response& r, long status,
                    const JsonChecks& checks) {
  std::string what = std::string(method) + " " + std::string(path);
  if (r.status != status) {
    FAIL_CHECK(what << ": status " << r.status << ", want " << status << "\n" << r.describe());
    return;
  }
  SUCCEED(what << " -> " << status);
  if (checks.empty()) return;
  nlohmann::json doc;
  try {
    doc = r.json();
  } catch (const std::exception& e) {
    FAIL_CHECK(what << ": body is not JSON (" << e.what() << ")\n" << r.describe());
    return;
  }
  bool body_shown = false;  // one failing call shows its body once, however many paths fail
  for (const auto& [json_path, want] : checks) {
    std::string got = jq_render(doc, json_path);
    bool ok = false;
    if (!want.empty() && want.front() == '~') {
      try {
        ok = std::regex_search(got, std::regex(want.substr(1)));
      } catch (const std::regex_error& e) {
        FAIL_CHECK(what << ": bad regex " << want << ": " << e.what());
        continue;
      }
    } else {
      ok = got == want;
    }
    if (ok)
      SUCCEED(what << ": " << json_path << " = " << got);
    else
      FAIL_CHECK(what << ": " << json_path << " = \"" << got << "\", want \"" << want << "\""
                      << (std::exchange(body_shown, true) ? std::string() : "\n" + r.describe()));
  }
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  auto n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    int ca = std::tolower(static_cast<unsigned char>(a[i]));
    int cb = std::tolower(static_cast<unsigned char>(b[i]));
    if (ca != cb) return ca < cb;
  }
  return a.size() < b.size();
}

std::string Response::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

nlohmann::json Response::json() const { return nlohmann::json::parse(body); }

std::string Response::describe() const {
  std::string s = "HTTP " + std::to_string(status) + "\n";
  for (const auto& [k, v] : headers) s += k + ": " + v + "\n";
  return s + "\n" + shown(body);
}

ApiClient ApiClient::unix_socket(std::string path) {
  ApiClient c;
  c.unix_path_ = std::move(path);
  c.base_url_ = "http://d";
  return c;
}

ApiClient ApiClient::tcp(std::string host, int port) {
  ApiClient c;
  c.base_url_ = "http://" + host + ":" + std::to_string(port);
  return c;
}

ApiClient ApiClient::tls(std::string host, int port, TlsClientFiles files) {
  ApiClient c;
  c.base_url_ = "https://" + host + ":" + std::to_string(port);
  c.tls_ = std::move(files);
  c.use_tls_ = true;
  return c;
}

std::string ApiClient::describe() const { return unix_path_.empty() ? base_url_ : "unix://" + unix_path_; }

Response ApiClient::request(std::string_view method, std::string_view path, std::string_view body,
                            const HeaderList& headers) const {
  init_curl_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) throw std::runtime_error("curl_easy_init failed");
  CURL* c = h.get();
  Response r;
  char errbuf[CURL_ERROR_SIZE] = {};
  std::string url = base_url_ + std::string(path);
  std::string method_s(method);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);  // send the path as the test wrote it
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  if (!unix_path_.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, unix_path_.c_str());
  if (use_tls_) {
    curl_easy_setopt(c, CURLOPT_CAINFO, tls_.ca.c_str());
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!tls_.cert.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, tls_.cert.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEY, tls_.key.c_str());
    }
  }
  if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (method == "GET" && body.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    if (!body.empty() || method == "POST" || method == "PUT") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_s.c_str());
  }
  curl_slist* list = nullptr;
  bool has_content_type = false;
  for (const auto& [k, v] : headers) {
    has_content_type = has_content_type || strcasecmp(k.c_str(), "Content-Type") == 0;
    list = curl_slist_append(list, (k + (v.empty() ? ";" : ": " + v)).c_str());
  }
  // podman's tests and the real clients send JSON bodies as such; curl would say form-urlencoded.
  if (!body.empty() && !has_content_type) list = curl_slist_append(list, "Content-Type: application/json");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list_owner(list, curl_slist_free_all);
  if (list) curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);

  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  if (rc != CURLE_OK && r.status == 0)
    throw std::runtime_error(method_s + " " + describe() + std::string(path) + ": " +
                             (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  return r;
}

std::string jq_render(const nlohmann::json& doc, std::string_view path) {
  bool length = false;
  if (auto bar = path.find('|'); bar != std::string_view::npos) {
    auto fn = trim(std::string(path.substr(bar + 1)));
    if (fn != "length") throw std::invalid_argument("bad JSON path \"" + std::string(path) + "\": only |length");
    length = true;
    path = path.substr(0, bar);
    while (!path.empty() && path.back() == ' ') path.remove_suffix(1);
  }
  if (path.empty() || path.front() != '.')
    throw std::invalid_argument("bad JSON path \"" + std::string(path) + "\": must start with '.'");
  const nlohmann::json* v = &doc;
  static const nlohmann::json null_value;
  for (const auto& step : parse_path(path)) {
    if (v->is_null()) break;  // jq: null[anything] is null
    if (step.is_index) {
      if (!v->is_array()) return "<cannot index " + std::string(v->type_name()) + " with a number>";
      v = step.index < v->size() ? &(*v)[step.index] : &null_value;
    } else {
      if (!v->is_object()) return "<cannot index " + std::string(v->type_name()) + " with \"" + step.key + "\">";
      auto it = v->find(step.key);
      v = it == v->end() ? &null_value : &*it;
    }
  }
  if (length) {
    if (v->is_string()) return std::to_string(v->get<std::string>().size());
    if (v->is_null()) return "0";
    if (v->is_number()) return render(*v);
    return std::to_string(v->size());
  }
  return render(*v);
}

Response t(const ApiClient& client, std::string_view method, std::string_view path, long status,
           const JsonChecks& checks) {
  return t(client, method, path, std::string_view{}, status, checks);
}

Response t(const ApiClient& client, std::string_view method, std::string_view path, std::string_view body, long status,
           const JsonChecks& checks) {
  Response r;
  try {
    r = client.request(method, path, body);
  } catch (const std::exception& e) {
    FAIL_CHECK(method << " " << path << ": no response: " << e.what());
    return r;
  }
  check_response(method, path, r, status, checks);
  return r;
}

std::string RunResult::describe() const {
  std::string s = timed_out ? "timed out (killed), " : "";
  s += "exit code " + std::to_string(exit_code) + "\n--- stdout ---\n" + shown(out) + "\n--- stderr ---\n" + shown(err);
  return s;
}

std::vector<std::string> child_environment(const Env& env) {
  std::map<std::string, std::string> vars;  // the last setting of a name wins
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || dropped_from_environment(entry.substr(0, eq))) continue;
    vars[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
  }
  for (const auto& [k, v] : env) vars[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

void init_child_attributes(posix_spawnattr_t* attr, bool new_group) {
  posix_spawnattr_init(attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD, SIGHUP}) sigaddset(&defaults, s);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (new_group) flags |= POSIX_SPAWN_SETPGROUP;
  posix_spawnattr_setflags(attr, flags);
  if (new_group) posix_spawnattr_setpgroup(attr, 0);
  posix_spawnattr_setsigmask(attr, &none);
  posix_spawnattr_setsigdefault(attr, &defaults);
}

pid_t spawn_logged(const std::vector<std::string>& argv_in, const Env& env, const std::string& log_path) {
  std::vector<std::string> argv = argv_in;
  auto envs = child_environment(env);
  auto cargv = c_strings(argv);
  auto cenv = c_strings(envs);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_t attr;
  init_child_attributes(&attr, /*new_group=*/false);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, cargv[0], &fa, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

RunResult run(const std::vector<std::string>& argv, const Env& env, std::chrono::milliseconds timeout,
              std::string_view input) {
  if (argv.empty()) throw std::invalid_argument("run: empty argv");
  int out[2], err[2], in[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(in, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawnattr_t attr;
  init_child_attributes(&attr, /*new_group=*/true);

  std::vector<std::string> args = argv;
  std::vector<std::string> envs = child_environment(env);
  auto cargv = c_strings(args);
  auto cenv = c_strings(envs);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, cargv[0], &fa, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  ::close(in[0]);
  RunResult result;
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    ::close(in[1]);
    result.exit_code = 127;
    result.err = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return result;
  }

  std::size_t written = 0;
  int in_fd = in[1];
  ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int out_fd = out[0], err_fd = err[0];
  while (out_fd >= 0 || err_fd >= 0) {
    pollfd fds[3];
    int nfds = 0;
    int out_i = -1, err_i = -1, in_i = -1;
    if (out_fd >= 0) out_i = nfds, fds[nfds++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) err_i = nfds, fds[nfds++] = {err_fd, POLLIN, 0};
    if (in_fd >= 0) in_i = nfds, fds[nfds++] = {in_fd, POLLOUT, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 && !result.timed_out) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);  // drain what is left
      continue;
    }
    if (left.count() <= 0) break;  // something outside the group holds the pipes open
    int n = ::poll(fds, static_cast<nfds_t>(nfds), static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    auto drain = [](int& fd, std::string& to) {
      char buf[65536];
      auto got = ::read(fd, buf, sizeof buf);
      if (got > 0) {
        to.append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fd);
        fd = -1;
      }
    };
    if (out_i >= 0 && fds[out_i].revents) drain(out_fd, result.out);
    if (err_i >= 0 && fds[err_i].revents) drain(err_fd, result.err);
    if (in_i >= 0 && fds[in_i].revents) {
      auto w = ::write(in_fd, input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  for (int fd : {out_fd, err_fd, in_fd})
    if (fd >= 0) ::close(fd);
  int status = 0;
  for (;;) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() > deadline && !result.timed_out) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
    }
    ::usleep(10000);
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace berth::test
