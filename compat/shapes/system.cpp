// Docker-shaped /info, the shared /version document and the _ping reply, field for field as podman 4.3.1 sends them.
#include "compat/shapes/system.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/time.hpp"
#include "server/http/version.hpp"

namespace berth::compat::shapes {
namespace {

using nlohmann::json;

// docker's types.Commit: {ID, Expected}.
json commit(std::string id = {}) { return {{"ID", std::move(id)}, {"Expected", ""}}; }

// The "commit: X" line of `runc --version`, which docker reports as RuncCommit.ID.
std::string runc_commit(std::string_view version) {
  auto pos = version.find("commit: ");
  if (pos == std::string_view::npos) return {};
  auto rest = version.substr(pos + 8);
  return std::string(rest.substr(0, rest.find('\n')));
}

// Go's RFC3339Nano: fractional seconds without trailing zeros, none at all when zero.
std::string rfc3339_nano(std::chrono::system_clock::time_point t) {
  return core::format_rfc3339_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

json registry_config(const core::RegistriesConfig& registries) {
  json index = json::object();
  for (const auto& reg : registries.registries) {
    const std::string& name = reg.prefix.empty() ? reg.location : reg.prefix;
    json mirrors = json::array();
    for (const auto& m : reg.mirrors) mirrors.push_back(m.location);
    // podman marks no registry Official, docker.io included.
    index[name] = {{"Name", name}, {"Mirrors", std::move(mirrors)}, {"Secure", !reg.insecure}, {"Official", false}};
  }
  return {{"AllowNondistributableArtifactsCIDRs", json::array()},
          {"AllowNondistributableArtifactsHostnames", json::array()},
          {"InsecureRegistryCIDRs", json::array()},
          {"IndexConfigs", std::move(index)},
          {"Mirrors", json::array()}};
}

std::string proxy(const core::HostInfo& info, const std::string& name) {
  auto it = info.proxy.find(name);
  return it == info.proxy.end() ? std::string() : it->second;
}

http::Reply make_ping_reply(bool head) {
  auto reply = head ? http::Reply::empty(200) : http::Reply::text("OK");
  reply.headers.set("Libpod-Buildah-Version", std::string(kBuildahVersion));
  reply.headers.set("BuildKit-Version", "");
  reply.headers.set("Builder-Version", "");
  reply.headers.set("Docker-Experimental", "true");
  reply.headers.set("Cache-Control", "no-cache");
  reply.headers.set("Pragma", "no-cache");
  reply.headers.set("OSType", "linux");  // docker sends it and the docker CLI reads it; podman does not
  return reply;
}

}  // namespace

std::string ansic_time(std::int64_t unix_seconds) {
  auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);  // %e: space-padded day, as Go's "_2"
  return buf;
}

std::string rfc3339_time(std::int64_t unix_seconds) {
  return rfc3339_nano(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

std::string uptime_text(double seconds) {
  // podman truncates to whole seconds and hours, then prints minutes and seconds within the hour.
  auto whole = static_cast<std::int64_t>(seconds);
  auto hours = whole / 3600;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lldh %lldm %.2fs", static_cast<long long>(hours),
                static_cast<long long>((whole % 3600) / 60), static_cast<double>(whole % 60));
  std::string out = buf;
  if (hours > 0) {
    std::snprintf(buf, sizeof buf, " (Approximately %.2f days)", static_cast<double>(hours) / 24);
    out += buf;
  }
  return out;
}

json info_json(const core::HostInfo& info) {
  const core::HostFacts& f = *info.facts;
  const core::KernelFeatures& k = f.features;
  json driver_status = json::array();
  for (const auto& [key, value] : info.store.status) driver_status.push_back({key, value});
  json runtimes = json::object();
  for (const auto& [name, path] : info.runtimes) runtimes[name] = {{"path", path}};
  json security = json::array();
  if (k.apparmor) security.push_back("name=apparmor");
  if (k.seccomp) security.push_back("name=seccomp,profile=default");
  return {
      {"ID", f.engine_id},
      {"Containers", info.counts.containers},
      {"ContainersRunning", info.counts.running},
      {"ContainersPaused", info.counts.paused},
      {"ContainersStopped", info.counts.stopped},
      {"Images", info.counts.images},
      {"Driver", info.store.driver},
      {"DriverStatus", std::move(driver_status)},
      {"Plugins",
       {{"Volume", info.plugins.volume},
        {"Network", info.plugins.network},
        {"Authorization", nullptr},
        {"Log", info.plugins.log}}},
      {"MemoryLimit", k.memory_limit},
      {"SwapLimit", k.swap_limit},
      // runc 1.1 ignores kernel memory limits, and podman reports both as unsupported.
      {"KernelMemory", false},
      {"KernelMemoryTCP", false},
      {"CpuCfsPeriod", k.cpu_cfs_period},
      {"CpuCfsQuota", k.cpu_cfs_quota},
      {"CPUShares", k.cpu_shares},
      {"CPUSet", k.cpuset},
      {"PidsLimit", k.pids_limit},
      {"IPv4Forwarding", info.stats.ipv4_forwarding},
      {"BridgeNfIptables", info.stats.bridge_nf_iptables},
      {"BridgeNfIp6tables", info.stats.bridge_nf_ip6tables},
      {"Debug", false},
      {"NFd", info.stats.open_fds},
      {"OomKillDisable", k.oom_kill_disable},
      {"NGoroutines", info.stats.threads},  // docker's goroutine count; threads are our nearest analogue
      {"SystemTime", rfc3339_nano(info.stats.now)},
      {"LoggingDriver", ""},
      {"CgroupDriver", info.cgroup_manager},
      {"NEventsListener", 0},
      {"KernelVersion", f.kernel},
      {"OperatingSystem", f.distribution.id},
      {"OSVersion", f.distribution.version},
      {"OSType", f.os},
      {"Architecture", f.arch},
      {"IndexServerAddress", ""},
      {"RegistryConfig", registry_config(info.registries ? *info.registries : core::RegistriesConfig{})},
      {"NCPU", f.cpus},
      {"MemTotal", f.mem_total},
      {"GenericResources", nullptr},
      {"DockerRootDir", info.store.graph_root},
      {"HttpProxy", proxy(info, "http_proxy")},
      {"HttpsProxy", proxy(info, "https_proxy")},
      {"NoProxy", proxy(info, "no_proxy")},
      {"Name", f.hostname},
      {"Labels", nullptr},
      {"ExperimentalBuild", true},
      {"ServerVersion", kPodmanVersion},
      {"Runtimes", std::move(runtimes)},
      {"DefaultRuntime", info.default_runtime},
      {"Swarm",
       {{"NodeID", ""},
        {"NodeAddr", ""},
        {"LocalNodeState", "inactive"},
        {"ControlAvailable", false},
        {"Error", ""},
        {"RemoteManagers", nullptr}}},
      {"LiveRestoreEnabled", false},
      {"Isolation", ""},
      {"InitBinary", ""},
      {"ContainerdCommit", commit()},
      // podman leaves this empty; docker reports runc's commit, which `docker info` prints as "runc version".
      {"RuncCommit", commit(runc_commit(f.runtime.version))},
      {"InitCommit", commit()},
      {"SecurityOptions", std::move(security)},
      {"ProductLicense", "Apache-2.0"},
      {"Warnings", json::array()},
      {"BuildahVersion", kBuildahVersion},
      {"CPURealtimePeriod", k.cpu_realtime_period},
      {"CPURealtimeRuntime", k.cpu_realtime_runtime},
      {"CgroupVersion", std::to_string(f.cgroup_version)},
      {"Rootless", f.rootless},
      {"SwapFree", info.stats.swap_free},
      {"SwapTotal", info.stats.swap_total},
      {"Uptime", uptime_text(info.stats.uptime_seconds)},
  };
}

json version_json(const core::VersionInfo& v) {
  const std::string build_time = rfc3339_time(v.built);
  const std::string go_version(kGoVersion);
  json engine = {
      {"Name", "Podman Engine"},
      {"Version", kPodmanVersion},
      {"Details",
       {{"APIVersion", http::kLibpodApi.str(true)},
        {"Arch", v.arch},
        {"BuildTime", build_time},
        {"Experimental", "false"},
        {"GitCommit", v.git_commit},
        {"GoVersion", go_version},
        {"KernelVersion", v.kernel},
        {"MinAPIVersion", http::kLibpodMinApi.str(true)},
        {"Os", v.os}}},
  };
  json components = json::array({std::move(engine)});
  components.push_back(
      {{"Name", "Conmon"}, {"Version", v.conmon.version}, {"Details", {{"Package", v.conmon.package}}}});
  components.push_back({{"Name", "OCI Runtime (" + v.runtime_name + ")"},
                        {"Version", v.runtime.version},
                        {"Details", {{"Package", v.runtime.package}}}});
  components.push_back(
      {{"Name", "Berth"},
       {"Version", v.berth_version},
       {"Details", {{"Compiler", v.compiler}, {"GitCommit", v.git_commit}, {"BuildTime", build_time}}}});
  return {
      {"Platform", {{"Name", v.os + "/" + v.arch + "/" + v.distribution.id + "-" + v.distribution.version}}},
      {"Components", std::move(components)},
      {"Version", kPodmanVersion},
      {"ApiVersion", http::kCompatApi.str()},
      {"MinAPIVersion", http::kCompatMinApi.str()},
      {"GitCommit", v.git_commit},
      {"GoVersion", go_version},
      {"Os", v.os},
      {"Arch", v.arch},
      {"KernelVersion", v.kernel},
      {"BuildTime", build_time},
  };
}

http::Reply ping_reply(bool head) {
  // Built once: clients ping before every command, and copying is cheaper than seven Headers::set scans.
  static const http::Reply cached[2] = {make_ping_reply(false), make_ping_reply(true)};
  return cached[head ? 1 : 0];
}

}  // namespace berth::compat::shapes
