// Spawning subprocesses: posix_spawn with an argv vector and an explicit fd map, never through a shell.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace berth::core::sys {

struct SpawnOptions {
  std::vector<std::string> env;                      // empty: inherit the daemon's environment
  std::string stdin_data;                            // written to the child's stdin, then closed
  std::optional<std::chrono::milliseconds> timeout;  // SIGKILL after this
};

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
};

// Runs argv[0] (an absolute path or one found on PATH) to completion and captures stdout and stderr.
// Throws Error(Errc::internal) when it cannot be started at all.
ProcessResult run(const std::vector<std::string>& argv, const SpawnOptions& opts = {});

// One of the caller's descriptors, installed in the child under another number.
struct FdMapping {
  int parent_fd;
  int child_fd;
};

struct DetachedOptions {
  std::vector<std::string> env;  // exactly the child's environment (nothing is inherited)
  std::vector<FdMapping> fds;    // child_fd must be above 2; every other descriptor is closed in the child
  int stdin_fd = -1;             // -1: /dev/null
  int stdout_fd = -1;            // -1: /dev/null
  int stderr_fd = -1;            // -1: /dev/null
  bool new_session = true;       // setsid: signals to the daemon's group must not reach the child
};

// Starts argv[0] and returns its pid without waiting; the caller reaps it (wait_exit) or leaves that to PID 1 when
// the child daemonizes. Throws Error(Errc::internal) when it cannot be started.
int spawn_detached(const std::vector<std::string>& argv, const DetachedOptions& opts);

// Reaps `pid`; its exit code (128 + signal when killed), or nullopt when `timeout` passed first (the child is then
// left unreaped) or it is not our child.
std::optional<int> wait_exit(int pid, std::optional<std::chrono::milliseconds> timeout = std::nullopt);

// Whether pid names a live process: it exists and is not a zombie (kill(pid, 0) also succeeds for a zombie
// nobody has reaped yet, e.g. under a subreaper).
bool process_alive(int pid);

}  // namespace berth::core::sys
