// Monitor: conmon launching a container's `runc create` and watching it (PRIMITIVES.md §2). One conmon per
// container; it outlives berthd, writes the exit code to exit_dir/<id> and keeps the container's log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/sys/fd.hpp"

namespace berth::core::drivers {

struct LaunchSpec {
  std::string id;                         // container ID (64 hex): conmon's -c and -u
  std::string name;                       // conmon's -n
  std::string bundle;                     // $RUN/ctr/<id>: holds config.json; conmon puts attach, ctl, winsz, oom here
  std::string pid_file;                   // the container's PID (runc --pid-file)
  std::string conmon_pid_file;            // conmon's own PID
  std::string exit_dir;                   // $RUN/exits: conmon writes <id> there with the exit code
  std::string persist_dir;                // $ROOT/containers/<id>/persist: must exist; conmon writes exit and oom there
  std::string log_driver = "k8s-file";    // "k8s-file" or "none"
  std::string log_path;                   // for k8s-file
  std::int64_t log_size_max = -1;         // bytes; -1 unlimited
  bool terminal = false;                  // -t
  bool stdin = false;                     // -i
  bool leave_stdin_open = false;          // an attach client that leaves does not close the container's stdin
  std::vector<std::string> exit_command;  // --exit-command and its args; empty for none
};

struct Launched {
  int pid = 0;         // the container's init process (host PID)
  int conmon_pid = 0;  // the surviving conmon
};

// An exec session run through conmon's exec mode (PRIMITIVES.md §3): one directory per session holds conmon's
// attach socket, ctl fifo, pid files and its own exits dir (the exit file is named after the container).
struct ExecLaunchSpec {
  std::string container_id;     // conmon's -c: runc exec's target
  std::string session_id;       // conmon's -u
  std::string exec_dir;         // conmon's -b and cwd: attach, ctl, winsz are made here
  std::string process_json;     // the OCI process object (--exec-process-spec)
  std::string pid_file;         // the exec'd process's host PID
  std::string conmon_pid_file;  // the surviving conmon
  std::string exit_dir;         // exec_dir/exits: conmon writes <container_id> there with the exit code
  std::string persist_dir;      // exec_dir/persist: must exist
  bool terminal = false;        // -t
  bool stdin = false;           // -i
  bool attach = true;           // connect to the attach socket, and leave the start to the caller (ExecLaunched::start)
};

// Detached, exec() returns once the process runs (pid) or could not start (error). Attached, it returns with the
// attach socket connected and conmon waiting for one byte on `start`; the sync pipe then says
// {"data": PID} (or {"data": -1, "message"} when runc failed), and {"data": EXITCODE} when the process exits.
struct ExecLaunched {
  int pid = 0;         // detached: the process (host PID); 0 when it could not start
  int conmon_pid = 0;  // the surviving conmon
  std::string error;   // detached: runc's message when it could not start (e.g. `exec: "x": executable file not
                       // found in $PATH`); the session then has an exit code of 126 or 127
  sys::Fd attach;      // attached: the connected attach socket (non-blocking)
  sys::Fd start;       // attached: conmon's start pipe (conmon_pipes::send_start_byte runs the process)
  sys::Fd sync;        // conmon's sync pipe (non-blocking)
};

class Monitor {
 public:
  virtual ~Monitor() = default;
  // Starts an exec session in a running container. Returns once the process runs (or failed to start, see
  // ExecLaunched::error). Infrastructure failures (conmon missing, timeouts) → core::Error; nothing stays behind.
  virtual ExecLaunched exec(const ExecLaunchSpec& spec);
  // Spawns conmon, completes the sync/start handshake and returns once `runc create` has succeeded: the
  // container is then "created" (its process waits for OciRuntime::start). A runc failure → core::Error with
  // runc's message (e.g. `exec: "/bin/x": stat /bin/x: no such file or directory`, Errc::invalid_argument when
  // the executable is missing, else Errc::internal). Nothing is left running after a failure.
  virtual Launched create(const LaunchSpec& spec) = 0;
};

class Conmon final : public Monitor {
 public:
  // conmon: /usr/bin/conmon; runtime: /usr/sbin/runc; runtime_root: runc's --root.
  Conmon(std::string conmon, std::string runtime, std::string runtime_root);
  Launched create(const LaunchSpec& spec) override;
  ExecLaunched exec(const ExecLaunchSpec& spec) override;  // conmon_exec.cpp

 private:
  std::string conmon_;
  std::string runtime_;
  std::string runtime_root_;
};

}  // namespace berth::core::drivers
