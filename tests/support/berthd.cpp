// The Berthd fixture: temp dirs, spawn (posix_spawn, or fork+exec for socket activation), readiness, stop,
// leaked-process check and the CLI helpers.
#include "tests/support/berthd.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace berth::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Daemons of fixtures alive right now: their processes are ours, not leaks.
std::set<pid_t>& live_daemons() {
  static std::set<pid_t> pids;
  return pids;
}

// Orphans of berthd (anything it started and left behind) are re-parented to this process instead of init, so
// the fixture can see them once berthd has exited.
void become_subreaper_once() {
  static const bool done = [] {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    return true;
  }();
  (void)done;
}

std::string make_temp_dir() {
  std::string tmpl = "/tmp/berth-it-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  return tmpl;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

struct Endpoint {
  std::string unix_path;  // or host/port
  std::string host;
  int port = 0;
  bool tls = false;
};

// The first listener, which the readiness probe uses.
Endpoint first_endpoint(const BerthdOptions& o, const std::string& socket) {
  Endpoint e;
  if (o.socket_activation || o.listen.empty()) {
    e.unix_path = socket;
    return e;
  }
  const std::string& uri = o.listen.front();
  if (uri.rfind("unix://", 0) == 0) {
    e.unix_path = uri.substr(7);
  } else if (uri.rfind("tcp://", 0) == 0) {
    auto hostport = uri.substr(6);
    auto colon = hostport.rfind(':');
    e.host = hostport.substr(0, colon);
    e.port = std::stoi(hostport.substr(colon + 1));
    for (const auto& a : o.args) e.tls = e.tls || a.rfind("--tls-cert", 0) == 0;
  } else {
    throw std::invalid_argument("Berthd: cannot probe " + uri);
  }
  return e;
}

int connect_to(const Endpoint& e) {
  int fd = -1;
  int rc = -1;
  if (!e.unix_path.empty()) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", e.unix_path.c_str());
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } else {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(e.port));
    ::inet_pton(AF_INET, e.host.c_str(), &addr.sin_addr);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Any HTTP response counts: the route may not exist yet, but the server reads and answers requests.
bool answers_http(int fd, Clock::time_point deadline) {
  static constexpr std::string_view probe = "GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n";
  if (::send(fd, probe.data(), probe.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(probe.size())) return false;
  std::string got;
  while (got.size() < 8) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[256];
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got.rfind("HTTP/1.", 0) == 0;
}

std::string cmdline_of(pid_t pid) {
  auto s = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  for (auto& c : s)
    if (c == '\0') c = ' ';
  return s;
}

// Processes whose parent is this one, other than live fixtures' daemons: with the subreaper flag set, whatever a
// stopped berthd left running. Zombies are reaped on the way (they are gone, not leaked).
std::vector<std::pair<pid_t, std::string>> stray_children() {
  std::vector<std::pair<pid_t, std::string>> found;
  pid_t self = ::getpid();
  DIR* d = ::opendir("/proc");
  if (!d) return found;
  while (auto* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    auto stat = read_file("/proc/" + std::string(e->d_name) + "/stat");
    auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 1));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid != self || live_daemons().count(static_cast<pid_t>(pid))) continue;
    if (state == 'Z') {
      ::waitpid(static_cast<pid_t>(pid), nullptr, WNOHANG);
      continue;
    }
    found.emplace_back(static_cast<pid_t>(pid), cmdline_of(static_cast<pid_t>(pid)));
  }
  ::closedir(d);
  return found;
}

std::string listening_unix_socket(const std::string& path, int& fd_out) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 128) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return why;
  }
  fd_out = fd;
  return {};
}

}  // namespace

Berthd::Berthd(BerthdOptions options)
    : opts_(std::move(options)),
      dir_(make_temp_dir()),
      socket_(dir_ + "/berth.sock"),
      root_(opts_.root.empty() ? dir_ + "/root" : opts_.root),
      runroot_(dir_ + "/runroot"),
      log_path_(dir_ + "/berthd.log"),
      api_(ApiClient::unix_socket(socket_)) {
  become_subreaper_once();
  if (opts_.binary.empty()) opts_.binary = default_berthd_path();
  try {
    for (auto sub : {"/root", "/runroot", "/home/.config", "/home/.local/share", "/home/.cache", "/home/.docker"})
      fs::create_directories(dir_ + sub);
    fs::create_directories(dir_ + "/xdg-run");
    fs::permissions(dir_ + "/xdg-run", fs::perms::owner_all);
    start();
  } catch (...) {
    cleanup();
    throw;
  }
}

Berthd::~Berthd() { cleanup(); }

void Berthd::cleanup() noexcept {
  try {
    if (pid_ > 0 && running()) {
      int code = stop();
      if (code != 0) FAIL_CHECK("berthd exited with " << code << " on SIGTERM at teardown\n" << log_tail());
    }
  } catch (const std::exception& e) {
    FAIL_CHECK("stopping berthd: " << e.what());
  } catch (...) {
  }
  std::error_code ec;
  if (!std::getenv("BERTH_KEEP_TEST_DIRS")) fs::remove_all(dir_, ec);
}

void Berthd::start() {
  if (pid_ > 0 && running()) throw std::logic_error("Berthd::start: already running");
  exit_code_.reset();
  if (opts_.socket_activation)
    spawn_activated();
  else
    spawn();
  live_daemons().insert(pid_);
  if (opts_.wait_ready) wait_ready();
}

void Berthd::spawn() {
  std::vector<std::string> argv = {opts_.binary, "--root", root_, "--runroot", runroot_, "--log-level", "info"};
  argv.insert(argv.end(), opts_.args.begin(), opts_.args.end());
  if (opts_.listen.empty())
    argv.push_back(url());
  else
    argv.insert(argv.end(), opts_.listen.begin(), opts_.listen.end());
  Env env = {{"HOME", dir_ + "/home"}, {"XDG_CONFIG_HOME", dir_ + "/home/.config"}};
  env.insert(env.end(), opts_.env.begin(), opts_.env.end());
  pid_ = -1;
  pid_ = spawn_logged(argv, env, log_path_);
}

// LISTEN_PID must name berthd itself, which posix_spawn cannot know before the exec: fork, then exec in the child.
void Berthd::spawn_activated() {
  std::error_code ec;
  fs::remove(socket_, ec);
  int lfd = -1;
  if (auto why = listening_unix_socket(socket_, lfd); !why.empty())
    throw std::runtime_error("cannot listen on " + socket_ + ": " + why);
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  // berthd is told where else to listen, so that ignoring it under activation is visible (and so that a
  // failed activation never falls back to the machine's default socket).
  std::vector<std::string> argv = {opts_.binary, "--root", root_, "--runroot", runroot_, "--log-level", "info"};
  argv.insert(argv.end(), opts_.args.begin(), opts_.args.end());
  if (opts_.listen.empty())
    argv.push_back("unix://" + dir_ + "/not-activated.sock");
  else
    argv.insert(argv.end(), opts_.listen.begin(), opts_.listen.end());
  Env env = {{"HOME", dir_ + "/home"},
             {"XDG_CONFIG_HOME", dir_ + "/home/.config"},
             {"LISTEN_FDS", "1"},
             {"LISTEN_FDNAMES", "berth.sock"},
             {"LISTEN_PID", std::string(20, ' ')}};
  env.insert(env.end(), opts_.env.begin(), opts_.env.end());
  auto envs = child_environment(env);
  auto cargv = c_strings(argv);
  auto cenv = c_strings(envs);
  char* listen_pid = nullptr;  // filled in by the child, which alone knows its pid
  for (auto& e : envs)
    if (e.rfind("LISTEN_PID=", 0) == 0) listen_pid = e.data() + std::strlen("LISTEN_PID=");

  pid_t pid = ::fork();
  if (pid == 0) {
    // The child: async-signal-safe calls only.
    char digits[20];
    int n = 0;
    for (pid_t p = ::getpid(); p > 0; p /= 10) digits[n++] = static_cast<char>('0' + p % 10);
    for (int i = 0; i < n; ++i) listen_pid[i] = digits[n - 1 - i];
    listen_pid[n] = '\0';
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (lfd == 3)
      ::fcntl(3, F_SETFD, 0);
    else
      ::dup2(lfd, 3);  // the copy has no FD_CLOEXEC
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD, SIGHUP}) ::sigaction(s, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  int saved = errno;
  ::close(lfd);  // berthd owns the listener now, as it would under systemd
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(saved));
  pid_ = pid;
}

void Berthd::wait_ready() {
  auto endpoint = first_endpoint(opts_, socket_);
  auto deadline = Clock::now() + opts_.ready_timeout;
  while (Clock::now() < deadline) {
    if (auto code = wait_exit(std::chrono::milliseconds(0)))
      FAIL("berthd exited with code " << *code << " before it was ready\n--- berthd log ---\n" << log_tail());
    int fd = connect_to(endpoint);
    if (fd >= 0) {
      // A TLS listener cannot answer plain HTTP; that it accepts is enough.
      bool ok = endpoint.tls || answers_http(fd, deadline);
      ::close(fd);
      if (ok) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  wait_exit(std::chrono::seconds(5));
  FAIL("berthd was not ready within " << opts_.ready_timeout.count() << " ms\n--- berthd log ---\n" << log_tail());
}

std::optional<int> Berthd::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return std::nullopt;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t w = ::waitpid(pid_, &status, WNOHANG);
    if (w == pid_) return reaped(status);
    if (w < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool Berthd::running() { return pid_ > 0 && !wait_exit(std::chrono::milliseconds(0)); }

int Berthd::stop() {
  if (auto code = wait_exit(std::chrono::milliseconds(0))) return *code;
  if (pid_ <= 0) throw std::logic_error("Berthd::stop: never started");
  ::kill(pid_, SIGTERM);
  if (auto code = wait_exit(std::chrono::seconds(10))) return *code;
  FAIL_CHECK("berthd did not exit within 10 s of SIGTERM; killing it\n--- berthd log ---\n" << log_tail());
  ::kill(pid_, SIGKILL);
  auto code = wait_exit(std::chrono::seconds(10));
  return code.value_or(-1);
}

int Berthd::reaped(int wait_status) {
  live_daemons().erase(pid_);
  exit_code_ = exit_code_of(wait_status);
  // A berthd killed by a signal cannot wait for the short tool runs it had started (runc --version, dpkg-query
  // at startup): they finish on their own, so give them time. One that stopped normally must leave nothing.
  if (WIFSIGNALED(wait_status)) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!stray_children().empty() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (const auto& [pid, cmdline] : stray_children()) {
    FAIL_CHECK("berthd (pid " << pid_ << ") left process " << pid << " running: " << cmdline);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  return *exit_code_;
}

std::string Berthd::log() const { return read_file(log_path_); }

std::string Berthd::log_tail(std::size_t lines) const {
  auto text = log();
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (std::size_t n = 0; n < lines && pos > 0; ++n) {
    auto nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

void mark_fixture_process(pid_t pid, bool running) {
  if (running)
    live_daemons().insert(pid);
  else
    live_daemons().erase(pid);
}

Env Berthd::cli_env() const {
  return {{"HOME", dir_ + "/home"},
          {"XDG_CONFIG_HOME", dir_ + "/home/.config"},
          {"XDG_DATA_HOME", dir_ + "/home/.local/share"},
          {"XDG_CACHE_HOME", dir_ + "/home/.cache"},
          {"XDG_RUNTIME_DIR", dir_ + "/xdg-run"},
          {"DOCKER_CONFIG", dir_ + "/home/.docker"}};
}

RunResult Berthd::docker(const std::vector<std::string>& args, const Env& extra,
                         std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv = {kDockerCli};
  argv.insert(argv.end(), args.begin(), args.end());
  Env env = cli_env();
  env.emplace_back("DOCKER_HOST", url());
  env.insert(env.end(), extra.begin(), extra.end());
  return run(argv, env, timeout);
}

RunResult Berthd::podman(const std::vector<std::string>& args, const Env& extra,
                         std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv = {kPodmanCli, "--remote", "--url", url()};
  argv.insert(argv.end(), args.begin(), args.end());
  Env env = cli_env();
  env.insert(env.end(), extra.begin(), extra.end());
  return run(argv, env, timeout);
}

Response t(const Berthd& d, std::string_view method, std::string_view path, long status, const JsonChecks& checks) {
  INFO("--- berthd log (tail) ---\n" << d.log_tail());
  return t(d.api(), method, path, status, checks);
}

Response t(const Berthd& d, std::string_view method, std::string_view path, std::string_view body, long status,
           const JsonChecks& checks) {
  INFO("--- berthd log (tail) ---\n" << d.log_tail());
  return t(d.api(), method, path, body, status, checks);
}

int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("cannot bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace berth::test
