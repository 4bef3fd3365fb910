// core::sys::run and spawn_detached: posix_spawn a program with piped stdio and collect its output, or start one
// with a given fd map and leave it running.
#include "core/sys/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "core/error.hpp"
#include "core/sys/fd.hpp"

extern char** environ;

namespace berth::core::sys {
namespace {

[[noreturn]] void fail_errno(std::string_view context, int err) { fail(Errc::internal, std::strerror(err), context); }

// A close-on-exec descriptor numbered 3 or above: a pipe end that landed on 0-2 (because the daemon closed its own
// stdio) would be dup2'ed onto itself, which keeps FD_CLOEXEC on some libcs and the child would lose it.
Fd above_stdio(int fd) {
  if (fd > STDERR_FILENO) return Fd(fd);
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  int err = errno;
  ::close(fd);
  if (moved < 0) fail_errno("spawn: fcntl", err);
  return Fd(moved);
}

struct Pipe {
  Fd read;
  Fd write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail_errno("spawn: pipe2", errno);
  return {above_stdio(fds[0]), above_stdio(fds[1])};
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Owns the spawn attribute objects so every early throw destroys them.
class SpawnSetup {
 public:
  SpawnSetup(int in, int out, int err) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_adddup2(&actions_, in, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions_, out, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions_, err, STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Descriptors some library opened without O_CLOEXEC must not leak into tools either.
    posix_spawn_file_actions_addclosefrom_np(&actions_, STDERR_FILENO + 1);
#endif
    // The daemon ignores SIGPIPE and its threads may block signals; a child starts with neither.
    sigset_t all;
    sigset_t none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr_, &all);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

// Reads what is there; false at EOF or on an error other than EAGAIN.
bool drain(int fd, std::string& into) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

// Writes to the child's stdin without raising SIGPIPE in the daemon when the child has closed it: the signal is
// blocked in this thread and a pending one is consumed. Returns false once stdin should be closed.
bool feed(int fd, std::string_view data, size_t& offset) {
  sigset_t pipe_set;
  sigset_t old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t n = ::write(fd, data.data() + offset, data.size() - offset);
  int err = errno;
  if (n < 0 && err == EPIPE) {
    timespec zero{};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  if (n > 0) offset += static_cast<size_t>(n);
  if (n < 0 && (err == EAGAIN || err == EINTR)) return true;
  return n >= 0 && offset < data.size();
}

// A pidfd becomes readable when the child exits, so output stops being awaited even when a grandchild keeps the
// pipes open (a daemonizing tool). -1 where the kernel has no pidfd_open; then EOF alone ends the loop.
Fd open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
#else
  (void)pid;
  return Fd();
#endif
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;  // ECHILD: someone else reaped it (SIGCHLD ignored)
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// The spawn attributes of a detached child: default signals, empty mask, optionally its own session.
class DetachedAttr {
 public:
  explicit DetachedAttr(bool new_session) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
    sigset_t all;
    sigset_t none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr_, &all);
    posix_spawnattr_setsigmask(&attr_, &none);
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (new_session) flags |= POSIX_SPAWN_SETSID;
    posix_spawnattr_setflags(&attr_, flags);
  }
  ~DetachedAttr() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  DetachedAttr(const DetachedAttr&) = delete;
  DetachedAttr& operator=(const DetachedAttr&) = delete;

  posix_spawn_file_actions_t* actions() { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

}  // namespace

int spawn_detached(const std::vector<std::string>& argv, const DetachedOptions& opts) {
  if (argv.empty() || argv[0].empty()) fail(Errc::internal, "empty argv", "spawn");
  int highest = STDERR_FILENO;
  for (const auto& m : opts.fds) {
    if (m.child_fd <= STDERR_FILENO || m.parent_fd < 0) fail(Errc::internal, "bad fd mapping", "spawn");
    highest = std::max(highest, m.child_fd);
  }
  Fd null_fd;
  if (opts.stdin_fd < 0 || opts.stdout_fd < 0 || opts.stderr_fd < 0) {
    int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) fail_errno("spawn: open /dev/null", errno);
    null_fd = above_stdio(fd);
  }
  // Every source is first copied above all target numbers, so no dup2 overwrites a source a later one still needs
  // and none is dup2'ed onto itself (which would keep its close-on-exec flag).
  std::vector<Fd> sources;
  auto stage = [&](int fd) {
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, highest + 1);
    if (copy < 0) fail_errno("spawn: fcntl", errno);
    sources.emplace_back(copy);
    return copy;
  };
  DetachedAttr setup(opts.new_session);
  posix_spawn_file_actions_adddup2(setup.actions(), stage(opts.stdin_fd >= 0 ? opts.stdin_fd : null_fd.get()),
                                   STDIN_FILENO);
  posix_spawn_file_actions_adddup2(setup.actions(), stage(opts.stdout_fd >= 0 ? opts.stdout_fd : null_fd.get()),
                                   STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(setup.actions(), stage(opts.stderr_fd >= 0 ? opts.stderr_fd : null_fd.get()),
                                   STDERR_FILENO);
  for (const auto& m : opts.fds) posix_spawn_file_actions_adddup2(setup.actions(), stage(m.parent_fd), m.child_fd);
  // Numbers below the highest mapped one that nothing maps: an fd inherited without O_CLOEXEC (a test runner's)
  // would stay open there. glibc ignores EBADF for these close actions.
  for (int fd = STDERR_FILENO + 1; fd < highest; ++fd) {
    bool mapped = std::any_of(opts.fds.begin(), opts.fds.end(), [&](const auto& m) { return m.child_fd == fd; });
    if (!mapped) posix_spawn_file_actions_addclose(setup.actions(), fd);
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(setup.actions(), highest + 1);
#endif
  auto args = c_strings(argv);
  auto env = c_strings(opts.env);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0].c_str(), setup.actions(), setup.attr(), args.data(), env.data());
  if (rc != 0) fail_errno("running " + argv[0], rc);
  return pid;
}

std::optional<int> wait_exit(int pid, std::optional<std::chrono::milliseconds> timeout) {
  if (timeout) {
    Fd pidfd = open_pidfd(pid);
    if (pidfd) {
      pollfd p{pidfd.get(), POLLIN, 0};
      auto deadline = std::chrono::steady_clock::now() + *timeout;
      for (;;) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        int ready = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
        if (ready > 0) break;
        if (ready == 0) return std::nullopt;
        if (errno != EINTR) return std::nullopt;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return std::nullopt;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return std::nullopt;
}

ProcessResult run(const std::vector<std::string>& argv, const SpawnOptions& opts) {
  if (argv.empty() || argv[0].empty()) fail(Errc::internal, "empty argv", "spawn");
  const std::string& program = argv[0];

  Pipe in = make_pipe();
  Pipe out = make_pipe();
  Pipe err = make_pipe();
  pid_t pid = -1;
  {
    SpawnSetup setup(in.read.get(), out.write.get(), err.write.get());
    auto args = c_strings(argv);
    auto env = c_strings(opts.env);
    char** envp = opts.env.empty() ? environ : env.data();
    // posix_spawnp searches PATH only for names without a '/', as execvp does.
    int rc = ::posix_spawnp(&pid, program.c_str(), setup.actions(), setup.attr(), args.data(), envp);
    if (rc != 0) fail_errno("running " + program, rc);
  }
  auto deadline =
      opts.timeout ? std::chrono::steady_clock::now() + *opts.timeout : std::chrono::steady_clock::time_point::max();
  // The child holds its own copies; ours would keep the pipes from reporting EOF.
  in.read.reset();
  out.write.reset();
  err.write.reset();
  set_nonblocking(out.read.get());
  set_nonblocking(err.read.get());
  if (opts.stdin_data.empty()) {
    in.write.reset();
  } else {
    set_nonblocking(in.write.get());
  }
  Fd pidfd = open_pidfd(pid);

  ProcessResult result;
  size_t fed = 0;
  bool exited = false;
  // With a pidfd the loop also runs after both outputs close, so the timeout still applies to a child that
  // closed them early.
  while (out.read || err.read || (pidfd && !exited)) {
    pollfd fds[4];
    nfds_t count = 0;
    auto add = [&](const Fd& fd, short events) {
      if (fd) fds[count++] = {fd.get(), events, 0};
    };
    add(out.read, POLLIN);
    add(err.read, POLLIN);
    add(in.write, POLLOUT);
    if (!exited) add(pidfd, POLLIN);
    int wait_ms = -1;
    if (opts.timeout) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
    }
    int ready = ::poll(fds, count, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      // Timed out (or poll itself failed): kill it and keep what it wrote; a grandchild may still hold the pipes,
      // so EOF is not awaited.
      ::kill(pid, SIGKILL);
      break;
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      int fd = fds[i].fd;
      if (fd == out.read.get() && !drain(fd, result.out)) out.read.reset();
      if (fd == err.read.get() && !drain(fd, result.err)) err.read.reset();
      if (fd == in.write.get() && !feed(fd, opts.stdin_data, fed)) in.write.reset();
      if (fd == pidfd.get()) exited = true;
    }
    if (exited) {
      // What the child wrote is already in the pipes; take it and stop.
      if (out.read) drain(out.read.get(), result.out);
      if (err.read) drain(err.read.get(), result.err);
      break;
    }
  }
  in.write.reset();  // a child still reading stdin would otherwise never exit
  result.exit_code = wait_exit_code(pid);
  return result;
}

bool process_alive(int pid) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

}  // namespace berth::core::sys
