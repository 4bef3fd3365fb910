// GET /libpod/info as podman 4.3.1's define.Info, key for key.
#include "api/shapes/system.hpp"

#include "compat/shapes/system.hpp"
#include "server/http/version.hpp"

namespace berth::api::shapes {
namespace {

using nlohmann::json;

json tool_json(const core::ToolInfo& t) { return {{"package", t.package}, {"path", t.path}, {"version", t.version}}; }

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

json host_json(const core::HostInfo& info) {
  const core::HostFacts& f = *info.facts;
  json distribution = {{"distribution", f.distribution.id}, {"version", f.distribution.version}};
  if (!f.distribution.variant.empty()) distribution["variant"] = f.distribution.variant;  // omitempty
  if (!f.distribution.codename.empty()) distribution["codename"] = f.distribution.codename;
  json host = {
      {"arch", f.arch},
      {"buildahVersion", compat::shapes::kBuildahVersion},
      {"cgroupManager", info.cgroup_manager},
      {"cgroupVersion", "v" + std::to_string(f.cgroup_version)},
      {"cgroupControllers", f.cgroup_controllers},
      {"conmon", tool_json(f.conmon)},
      {"cpus", f.cpus},
      {"cpuUtilization",
       {{"userPercent", info.stats.cpu.user_percent},
        {"systemPercent", info.stats.cpu.system_percent},
        {"idlePercent", info.stats.cpu.idle_percent}}},
      {"distribution", std::move(distribution)},
      {"eventLogger", info.event_logger},
      {"hostname", f.hostname},
      // Rootful: no mappings, as podman.
      {"idMappings", {{"gidmap", nullptr}, {"uidmap", nullptr}}},
      {"kernel", f.kernel},
      {"logDriver", info.log_driver},
      {"memFree", info.stats.mem_free},
      {"memTotal", f.mem_total},
      {"networkBackend", info.network_backend},
      {"ociRuntime",
       {{"name", f.runtime_name},
        {"package", f.runtime.package},
        {"path", f.runtime.path},
        {"version", f.runtime.version}}},
      {"os", f.os},
      {"serviceIsRemote", false},
      {"security",
       {{"apparmorEnabled", f.features.apparmor},
        {"capabilities", join(info.default_capabilities, ",")},
        {"rootless", f.rootless},
        {"seccompEnabled", f.features.seccomp},
        {"seccompProfilePath", f.seccomp_profile_path},
        {"selinuxEnabled", f.features.selinux}}},
      // berthd uses netavark bridges only; podman sends this object empty when slirp4netns is absent.
      {"slirp4netns", {{"executable", ""}, {"package", ""}, {"version", ""}}},
      {"swapFree", info.stats.swap_free},
      {"swapTotal", info.stats.swap_total},
      {"uptime", compat::shapes::uptime_text(info.stats.uptime_seconds)},
      {"linkmode", "dynamic"},
  };
  if (info.remote_socket) {
    // Both fields are omitempty in podman.
    json socket = json::object();
    if (!info.remote_socket->path.empty()) socket["path"] = info.remote_socket->path;
    if (info.remote_socket->exists) socket["exists"] = true;
    host["remoteSocket"] = std::move(socket);
  }
  return host;
}

json store_json(const core::HostInfo& info) {
  const core::StoreReport& s = info.store;
  json status = json::object();
  for (const auto& [key, value] : s.status) status[key] = value;
  return {
      {"configFile", s.config_file},
      {"containerStore",
       {{"number", info.counts.containers},
        {"paused", info.counts.paused},
        {"running", info.counts.running},
        {"stopped", info.counts.stopped}}},
      {"graphDriverName", s.driver},
      {"graphOptions", json::object()},
      {"graphRoot", s.graph_root},
      {"graphRootAllocated", s.graph_root_allocated},
      {"graphRootUsed", s.graph_root_used},
      {"graphStatus", std::move(status)},
      {"imageCopyTmpDir", s.image_copy_tmp_dir},
      {"imageStore", {{"number", info.counts.images}}},
      {"runRoot", s.run_root},
      {"volumePath", s.volume_path},
  };
}

json version_json(const core::VersionInfo& v) {
  return {
      {"APIVersion", http::kLibpodApi.str(true)},
      {"Version", compat::shapes::kPodmanVersion},
      {"GoVersion", compat::shapes::kGoVersion},
      {"GitCommit", v.git_commit},
      {"BuiltTime", compat::shapes::ansic_time(v.built)},
      {"Built", v.built},
      {"OsArch", v.os + "/" + v.arch},
      {"Os", v.os},
  };
}

}  // namespace

json registries_json(const core::RegistriesConfig& registries) {
  json out = json::object();
  for (const auto& reg : registries.registries) {
    const std::string& prefix = reg.prefix.empty() ? reg.location : reg.prefix;
    // c/image's Registry marshalled without JSON tags: Go field names; no mirrors is null, not [].
    json mirrors = nullptr;
    for (const auto& m : reg.mirrors) {
      if (mirrors.is_null()) mirrors = json::array();
      mirrors.push_back({{"Location", m.location}, {"Insecure", m.insecure}, {"PullFromMirror", ""}});
    }
    out[prefix] = {
        {"Prefix", prefix},
        {"Location", reg.location},
        {"Insecure", reg.insecure},
        {"PullFromMirror", ""},
        {"Mirrors", std::move(mirrors)},
        {"Blocked", reg.blocked},
        {"MirrorByDigestOnly", false},
    };
  }
  if (!registries.unqualified_search.empty()) out["search"] = registries.unqualified_search;
  return out;
}

json info_json(const core::HostInfo& info) {
  return {
      {"host", host_json(info)},
      {"store", store_json(info)},
      {"registries", info.registries ? registries_json(*info.registries) : json::object()},
      {"plugins",
       {{"volume", info.plugins.volume},
        {"network", info.plugins.network},
        {"log", info.plugins.log},
        {"authorization", nullptr}}},
      {"version", version_json(info.version)},
  };
}

}  // namespace berth::api::shapes
