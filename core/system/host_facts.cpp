// gather_host_facts: the once-per-daemon part of /info and /version.
#include "core/system/host_facts.hpp"

#include <sched.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <set>
#include <vector>

#include "core/error.hpp"
#include "core/sys/process.hpp"
#include "core/system/proc_files.hpp"

namespace berth::core::system {
namespace {

constexpr std::chrono::seconds kToolTimeout{5};
constexpr long kCgroup2Magic = 0x63677270;  // CGROUP2_SUPER_MAGIC

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::string trim(std::string_view s) {
  auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  auto end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

// `path --version`; "" when the tool is missing, hangs or fails to start.
std::string probe_version(const std::string& path, bool join_first_line) {
  if (path.empty() || ::access(path.c_str(), X_OK) != 0) return {};
  try {
    auto r = sys::run({path, "--version"}, {.timeout = kToolTimeout});
    return tool_version_text(trim(r.out).empty() ? r.err : r.out, join_first_line);
  } catch (const Error&) {
    return {};
  }
}

// The package whose file list names `path`, trying only the list named after the file (runc.list for
// /usr/sbin/runc): tools are packaged under their own name, and this spares the full `dpkg-query -S` scan of every
// list (~130 ms here). "" when that guess does not hold.
std::string package_by_list_name(const std::string& path) {
  auto name = path.substr(path.find_last_of('/') + 1);
  auto list = read_small_file(("/var/lib/dpkg/info/" + name + ".list").c_str(), 4 << 20);
  if (!list || ("\n" + *list).find("\n" + path + "\n") == std::string::npos) return {};
  return name;
}

// `dpkg-query -W` for the given packages: package -> "runc_1.1.5+ds1-1+deb12u1_amd64".
std::map<std::string, std::string> package_versions(const std::string& dpkg_query,
                                                    const std::set<std::string>& packages) {
  std::map<std::string, std::string> full;
  if (packages.empty()) return full;
  std::vector<std::string> argv = {dpkg_query, "-W", "-f",
                                   "${binary:Package}\\t${Package}_${Version}_${Architecture}\\n"};
  argv.insert(argv.end(), packages.begin(), packages.end());
  auto listing = sys::run(argv, {.timeout = kToolTimeout}).out;
  std::string_view out = listing;
  while (!out.empty()) {
    auto line = out.substr(0, out.find('\n'));
    out.remove_prefix(std::min(out.size(), line.size() + 1));
    auto tab = line.find('\t');
    if (tab != std::string_view::npos) full[std::string(line.substr(0, tab))] = std::string(line.substr(tab + 1));
  }
  return full;
}

// path -> "runc_1.1.5+ds1-1+deb12u1_amd64" for every path dpkg owns (under its own name or its real path), as
// podman's `dpkg -S` + `dpkg-query -W` pair reports it.
std::map<std::string, std::string> query_packages(const std::vector<std::string>& paths) {
  std::map<std::string, std::string> result;
  const std::string dpkg_query = "/usr/bin/dpkg-query";
  if (paths.empty() || ::access(dpkg_query.c_str(), X_OK) != 0) return result;
  std::map<std::string, std::string> owner_of;  // configured path -> package
  std::vector<std::string> search = {dpkg_query, "-S"};
  std::map<std::string, std::string> real_of;
  for (const auto& p : paths) {
    char buf[PATH_MAX];
    std::string real = ::realpath(p.c_str(), buf) ? buf : p;
    auto pkg = package_by_list_name(p);
    if (pkg.empty() && real != p) pkg = package_by_list_name(real);
    if (!pkg.empty()) {
      owner_of[p] = pkg;
      continue;
    }
    search.push_back(p);
    if (real != p) {
      real_of[p] = real;
      search.push_back(real);
    }
  }
  try {
    if (search.size() > 2) {
      // Exit status 1 only says some path is not packaged; the lines for the others are still there.
      auto owners = parse_dpkg_search(sys::run(search, {.timeout = kToolTimeout}).out);
      for (const auto& p : paths) {
        if (owner_of.count(p)) continue;
        auto it = owners.find(p);
        if (it == owners.end() && real_of.count(p)) it = owners.find(real_of[p]);
        if (it != owners.end()) owner_of[p] = it->second;
      }
    }
    std::set<std::string> packages;
    for (const auto& [path, pkg] : owner_of) packages.insert(pkg);
    auto full = package_versions(dpkg_query, packages);
    for (const auto& [path, pkg] : owner_of)
      if (auto it = full.find(pkg); it != full.end()) result[path] = it->second;
  } catch (const Error&) {
  }
  return result;
}

int usable_cpus() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
}

// Controllers the engine can use: on v2 the root's cgroup.controllers, on v1 (and hybrid) every enabled
// controller of /proc/cgroups that is mounted under /sys/fs/cgroup, in /proc/cgroups order (podman's list).
std::vector<std::string> cgroup_controllers(int version) {
  std::vector<std::string> out;
  if (version == 2) {
    auto text = read_small_file("/sys/fs/cgroup/cgroup.controllers");
    std::string_view rest = text ? std::string_view(*text) : std::string_view();
    while (!rest.empty()) {
      auto begin = rest.find_first_not_of(" \n");
      if (begin == std::string_view::npos) break;
      rest.remove_prefix(begin);
      auto word = rest.substr(0, rest.find_first_of(" \n"));
      out.emplace_back(word);
      rest.remove_prefix(word.size());
    }
    return out;
  }
  auto text = read_small_file("/proc/cgroups");
  if (!text) return out;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (line.empty() || line[0] == '#') continue;
    char name[64];
    int hierarchy = 0, groups = 0, enabled = 0;
    if (std::sscanf(std::string(line).c_str(), "%63s %d %d %d", name, &hierarchy, &groups, &enabled) != 4) continue;
    if (enabled && exists(std::string("/sys/fs/cgroup/") + name)) out.emplace_back(name);
  }
  return out;
}

KernelFeatures kernel_features(int cgroup_version, const std::vector<std::string>& controllers) {
  KernelFeatures f;
  auto has = [&](std::string_view c) {
    return std::find(controllers.begin(), controllers.end(), c) != controllers.end();
  };
  if (cgroup_version == 2) {
    // The root cgroup has no limit files of its own; a controller being available is what counts.
    f.memory_limit = has("memory");
    f.swap_limit = has("memory") && exists("/sys/fs/cgroup/memory.swap.current");
    f.cpu_cfs_period = f.cpu_cfs_quota = f.cpu_shares = has("cpu");
    f.cpuset = has("cpuset");
    f.pids_limit = has("pids");
  } else {
    f.memory_limit = exists("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    f.swap_limit = exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
    f.oom_kill_disable = exists("/sys/fs/cgroup/memory/memory.oom_control");
    f.cpu_cfs_period = exists("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
    f.cpu_cfs_quota = exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
    f.cpu_shares = exists("/sys/fs/cgroup/cpu/cpu.shares");
    f.cpu_realtime_period = exists("/sys/fs/cgroup/cpu/cpu.rt_period_us");
    f.cpu_realtime_runtime = exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us");
    f.cpuset = exists("/sys/fs/cgroup/cpuset/cpuset.cpus");
    f.pids_limit = has("pids");
  }
  // The kernel supports seccomp filters when /proc reports a mode at all.
  auto status = read_small_file("/proc/self/status");
  f.seccomp = status && status->find("\nSeccomp:") != std::string::npos;
  f.apparmor = read_flag_file("/sys/module/apparmor/parameters/enabled");
  f.selinux = exists("/sys/fs/selinux/enforce");
  return f;
}

std::string compiler_name() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace

std::string tool_version_text(std::string_view out, bool join_first_line) {
  std::string text = trim(out);
  if (join_first_line) {
    auto nl = text.find('\n');
    if (nl != std::string::npos) text.replace(nl, 1, ", ");
  }
  return text;
}

Distribution parse_os_release(std::string_view text) {
  Distribution d;
  if (auto id = env_file_value(text, "ID"); !id.empty()) d.id = id;
  if (auto version = env_file_value(text, "VERSION_ID"); !version.empty()) d.version = version;
  d.codename = env_file_value(text, "VERSION_CODENAME");
  d.variant = env_file_value(text, "VARIANT_ID");
  return d;
}

std::string go_arch(std::string_view machine) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kNames = {{
      {"x86_64", "amd64"},
      {"aarch64", "arm64"},
      {"armv7l", "arm"},
      {"armv6l", "arm"},
      {"i386", "386"},
      {"i686", "386"},
      {"ppc64le", "ppc64le"},
      {"s390x", "s390x"},
  }};
  for (const auto& [uname, go] : kNames)
    if (machine == uname) return std::string(go);
  return std::string(machine);
}

std::map<std::string, std::string> parse_dpkg_search(std::string_view out) {
  std::map<std::string, std::string> owners;
  while (!out.empty()) {
    auto line = out.substr(0, out.find('\n'));
    out.remove_prefix(std::min(out.size(), line.size() + 1));
    if (line.starts_with("diversion ")) continue;
    auto sep = line.find(": ");
    if (sep == std::string_view::npos) continue;
    auto packages = line.substr(0, sep);
    auto first = packages.substr(0, packages.find(", "));  // a path shared by several packages: the first
    owners.emplace(std::string(line.substr(sep + 2)), std::string(first));
  }
  return owners;
}

HostFacts gather_host_facts(const ToolPaths& tools, std::string engine_id) {
  // Subprocesses first, so they run while the files below are read.
  auto version_of = [](std::string path, bool join) {
    return std::async(std::launch::async, [path = std::move(path), join] { return probe_version(path, join); });
  };
  auto runc = version_of(tools.runc, false);
  auto conmon = version_of(tools.conmon, true);
  auto netavark = version_of(tools.netavark, false);
  auto aardvark = version_of(tools.aardvark_dns, false);
  auto catatonit = version_of(tools.catatonit, false);
  std::vector<std::string> paths;
  for (const auto* p : {&tools.runc, &tools.conmon, &tools.netavark, &tools.aardvark_dns, &tools.catatonit})
    if (!p->empty()) paths.push_back(*p);
  auto packages = std::async(std::launch::async, [paths] { return query_packages(paths); });

  HostFacts f;
  utsname uts{};
  if (::uname(&uts) == 0) {
    f.kernel = uts.release;
    f.arch = go_arch(uts.machine);
  }
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) == 0) f.hostname = host;
  auto os_release = read_small_file("/etc/os-release");
  if (!os_release) os_release = read_small_file("/usr/lib/os-release");
  if (os_release) f.distribution = parse_os_release(*os_release);
  f.cpus = usable_cpus();
  if (auto meminfo = read_small_file("/proc/meminfo"))
    f.mem_total = std::max<std::int64_t>(0, meminfo_bytes(*meminfo, "MemTotal"));
  struct statfs fs {};
  f.cgroup_version = ::statfs("/sys/fs/cgroup", &fs) == 0 && static_cast<long>(fs.f_type) == kCgroup2Magic ? 2 : 1;
  f.cgroup_controllers = cgroup_controllers(f.cgroup_version);
  f.features = kernel_features(f.cgroup_version, f.cgroup_controllers);
  // containers.conf's seccomp profile locations, the override first (podman's DefaultSeccompPath).
  for (const char* p : {"/etc/containers/seccomp.json", "/usr/share/containers/seccomp.json"}) {
    if (exists(p)) {
      f.seccomp_profile_path = p;
      break;
    }
  }
  f.rootless = ::geteuid() != 0;
  f.engine_id = std::move(engine_id);
  f.compiler = compiler_name();

  auto owners = packages.get();
  auto tool = [&](const std::string& path, std::future<std::string>& version) {
    ToolInfo t;
    t.path = path;
    t.version = version.get();
    if (auto it = owners.find(path); it != owners.end()) t.package = it->second;
    return t;
  };
  f.runtime_name = "runc";
  f.runtime = tool(tools.runc, runc);
  f.conmon = tool(tools.conmon, conmon);
  f.netavark = tool(tools.netavark, netavark);
  f.aardvark_dns = tool(tools.aardvark_dns, aardvark);
  f.catatonit = tool(tools.catatonit, catatonit);
  return f;
}

}  // namespace berth::core::system
