// SystemService: gathers host facts once in the background and answers info() and version() from them.
#include "core/system/service.hpp"

#include <sys/stat.h>
#include <sys/statfs.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/system/engine_id.hpp"
#include "core/system/host_facts.hpp"
#include "core/system/host_stats.hpp"

namespace berth::core {
namespace {

// containers/common's built-in default_capabilities (podman 4.3.1), used when containers.conf names none.
constexpr const char* kDefaultCapabilities[] = {
    "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER", "FSETID",  "KILL",   "MKNOD",
    "NET_BIND_SERVICE", "NET_RAW", "SETFCAP",      "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
};

std::vector<std::string> capability_names(const std::vector<std::string>& configured) {
  std::vector<std::string> caps;
  auto add = [&](std::string_view name) {
    std::string cap(name);
    std::transform(cap.begin(), cap.end(), cap.begin(), [](unsigned char c) { return std::toupper(c); });
    if (!cap.starts_with("CAP_")) cap.insert(0, "CAP_");
    caps.push_back(std::move(cap));
  };
  if (configured.empty()) {
    for (const char* c : kDefaultCapabilities) add(c);
  } else {
    for (const auto& c : configured) add(c);
  }
  std::sort(caps.begin(), caps.end());
  caps.erase(std::unique(caps.begin(), caps.end()), caps.end());
  return caps;
}

// c/storage's names for the filesystems a graph root usually lives on.
std::string filesystem_name(long type) {
  switch (static_cast<unsigned long>(type)) {
    case 0xEF53:
      return "extfs";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs";
    case 0x794C7630:
      return "overlayfs";
    case 0x2FC12FC1:
      return "zfs";
    case 0x6969:
      return "nfs";
    case 0x65735546:
      return "fuse";
    default:
      return "<unknown>";
  }
}

// statfs of path, or of its nearest existing ancestor (the root is created by the store, maybe not yet).
bool statfs_nearest(std::string path, struct statfs& out) {
  for (;;) {
    if (::statfs(path.c_str(), &out) == 0) return true;
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos || path == "/") return false;
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
}

std::shared_ptr<const HostFacts> gather(ToolPaths tools, std::string engine_id) {
  try {
    return std::make_shared<const HostFacts>(system::gather_host_facts(tools, engine_id));
  } catch (...) {
    // Out of threads or memory: report what needs no probing rather than fail every /info.
    return std::make_shared<const HostFacts>();
  }
}

}  // namespace

SystemService::SystemService(const Config& config, store::Store& store)
    : config_(config),
      store_(store),
      facts_(std::async(std::launch::async, gather, config.tools, system::load_engine_id(store)).share()),
      registries_(std::make_shared<const RegistriesConfig>(config.registries)),
      default_capabilities_(capability_names(config.containers.default_capabilities)) {
  const char* tmp = std::getenv("TMPDIR");
  image_copy_tmp_dir_ = tmp && *tmp ? tmp : "/var/tmp";
  // Go's http.ProxyFromEnvironment reads both spellings, the upper-case one first; podman reports the same.
  for (const char* name : {"http_proxy", "https_proxy", "no_proxy"}) {
    std::string upper(name);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    const char* value = std::getenv(upper.c_str());
    if (!value) value = std::getenv(name);
    if (value) proxy_[name] = value;
  }
}

const HostFacts& SystemService::facts() const { return *facts_.get(); }

HostInfo SystemService::info() const {
  HostInfo info;
  info.facts = facts_.get();
  info.version = version();
  info.stats = system::read_host_stats();
  if (counts_) info.counts = counts_();
  info.store = store_report();
  info.registries = registries_;
  info.remote_socket = remote_socket();
  // What the engine implements today; extend as drivers land.
  info.plugins = {.volume = {"local"}, .network = {"bridge"}, .log = {"k8s-file", "none"}};
  info.runtimes = {{info.facts->runtime_name, config_.tools.runc}};
  info.default_runtime = info.facts->runtime_name;
  info.cgroup_manager = config_.containers.cgroup_manager;
  info.log_driver = config_.containers.log_driver;
  info.event_logger = config_.containers.events_logger;
  info.network_backend = config_.containers.network_backend;
  info.default_capabilities = default_capabilities_;
  info.proxy = proxy_;
  return info;
}

VersionInfo SystemService::version() const {
  const HostFacts& f = facts();
  VersionInfo v;
  v.berth_version = BERTH_VERSION;
  v.compiler = f.compiler;
  v.os = f.os;
  v.arch = f.arch;
  v.kernel = f.kernel;
  v.distribution = f.distribution;
  v.runtime_name = f.runtime_name;
  v.runtime = f.runtime;
  v.conmon = f.conmon;
  return v;
}

StoreReport SystemService::store_report() const {
  StoreReport r;
  r.config_file = config_.storage.file;
  r.graph_root = config_.root;
  r.run_root = config_.runroot;
  r.volume_path = config_.root + "/volumes";
  r.image_copy_tmp_dir = image_copy_tmp_dir_;
  struct statfs fs {};
  std::string backing = "<unknown>";
  if (statfs_nearest(config_.root, fs)) {
    r.graph_root_allocated = static_cast<std::uint64_t>(fs.f_bsize) * fs.f_blocks;
    r.graph_root_used = r.graph_root_allocated - static_cast<std::uint64_t>(fs.f_bsize) * fs.f_bfree;
    backing = filesystem_name(static_cast<long>(fs.f_type));
  }
  // The overlay mounter extracts layers itself and never uses metacopy, so the last three are fixed.
  r.status = {{"Backing Filesystem", backing},
              {"Supports d_type", "true"},
              {"Native Overlay Diff", "true"},
              {"Using metacopy", "false"}};
  return r;
}

std::optional<RemoteSocket> SystemService::remote_socket() const {
  for (const auto& uri : config_.service_uris) {
    if (!uri.starts_with("unix://")) continue;
    struct stat st {};
    std::string path = uri.substr(7);
    return RemoteSocket{.path = uri, .exists = ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)};
  }
  return std::nullopt;
}

}  // namespace berth::core
