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

}  // namespace berth::core::sys
