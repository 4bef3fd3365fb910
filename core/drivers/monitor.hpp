// Monitor: conmon launching a container's `runc create` and watching it (PRIMITIVES.md §2). One conmon per
// container; it outlives berthd, writes the exit code to exit_dir/<id> and keeps the container's log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
  std::vector<std::string> exit_command;  // --exit-command and its args; empty for none
};

struct Launched {
  int pid = 0;         // the container's init process (host PID)
  int conmon_pid = 0;  // the surviving conmon
};

class Monitor {
 public:
  virtual ~Monitor() = default;
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

 private:
  std::string conmon_;
  std::string runtime_;
  std::string runtime_root_;
};

}  // namespace berth::core::drivers
