// Layout::paths: one place that spells out every per-container path.
#include "core/containers/layout.hpp"

namespace berth::core::containers {

ContainerPaths Layout::paths(const std::string& id) const {
  ContainerPaths p;
  p.dir = containers_dir() + "/" + id;
  p.upper = p.dir + "/upper";
  p.work = p.dir + "/work";
  p.merged = p.dir + "/merged";
  p.persist = p.dir + "/persist";
  p.log = p.dir + "/ctr.log";
  p.hosts = p.dir + "/hosts";
  p.hostname = p.dir + "/hostname";
  p.resolv = p.dir + "/resolv.conf";
  p.bundle = bundles_dir() + "/" + id;
  p.config_json = p.bundle + "/config.json";
  p.pid_file = p.bundle + "/pidfile";
  p.conmon_pid = p.bundle + "/conmon.pid";
  p.exit_file = exits_dir() + "/" + id;
  p.netns = netns_dir() + "/" + id;
  return p;
}

}  // namespace berth::core::containers
