// Where a container's files live (DESIGN.md §7): persistent ones under $ROOT/containers/<id>, the runtime bundle
// under $RUN/ctr/<id>, conmon's exit files in $RUN/exits.
#pragma once

#include <string>

namespace berth::core::containers {

struct ContainerPaths {
  std::string dir;          // $ROOT/containers/<id>
  std::string upper;        // dir/upper
  std::string work;         // dir/work
  std::string merged;       // dir/merged: the mounted rootfs
  std::string persist;      // dir/persist: conmon's --persist-dir
  std::string log;          // dir/ctr.log (k8s-file)
  std::string hosts;        // dir/hosts
  std::string hostname;     // dir/hostname
  std::string resolv;       // dir/resolv.conf
  std::string bundle;       // $RUN/ctr/<id>: config.json, pidfile, conmon.pid, attach, ctl, winsz
  std::string config_json;  // bundle/config.json
  std::string pid_file;     // bundle/pidfile
  std::string conmon_pid;   // bundle/conmon.pid
  std::string exit_file;    // $RUN/exits/<id>
  std::string netns;        // $RUN/netns/<id>: the private network namespace, while it runs
};

class Layout {
 public:
  Layout(std::string root, std::string runroot) : root_(std::move(root)), runroot_(std::move(runroot)) {}

  ContainerPaths paths(const std::string& id) const;
  std::string containers_dir() const { return root_ + "/containers"; }
  std::string exits_dir() const { return runroot_ + "/exits"; }
  std::string runc_root() const { return runroot_ + "/runc"; }
  std::string bundles_dir() const { return runroot_ + "/ctr"; }
  std::string netns_dir() const { return runroot_ + "/netns"; }
  // $RUN/exec/<session>: an exec session's conmon dir (attach, ctl, pid files, exits/, persist/, process.json).
  std::string execs_dir() const { return runroot_ + "/exec"; }
  std::string exec_dir(const std::string& session) const { return execs_dir() + "/" + session; }

 private:
  std::string root_;
  std::string runroot_;
};

}  // namespace berth::core::containers
