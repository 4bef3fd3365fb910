// config.json: the spec, the image and the daemon's defaults merged the way podman 4.3.1 generates them.
#include "core/containers/oci_spec.hpp"

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/containers/capabilities.hpp"
#include "core/containers/oci_parts.hpp"
#include "core/containers/seccomp.hpp"
#include "core/error.hpp"

namespace berth::core::containers {
namespace {

using nlohmann::json;

constexpr const char* kOciVersion = "1.0.2-dev";

// What --security-opt asked for. label/apparmor are accepted and ignored: neither LSM exists on this host.
struct SecurityOpts {
  bool seccomp_unconfined = false;
  std::string seccomp_profile;  // a path
  bool no_new_privileges = false;
  bool unmask_all = false;
  std::vector<std::string> unmask, mask;
};

std::vector<std::string> split_colon(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ':'))
    if (!part.empty()) out.push_back(part);
  return out;
}

SecurityOpts parse_security_opts(const ContainerSpec& spec) {
  SecurityOpts o;
  o.no_new_privileges = spec.no_new_privileges;
  for (const auto& opt : spec.security_opt) {
    // docker still accepts the legacy "key:value" spelling.
    size_t sep = opt.find_first_of("=:");
    std::string key = opt.substr(0, sep), value = sep == std::string::npos ? "" : opt.substr(sep + 1);
    if (key == "no-new-privileges") {
      o.no_new_privileges = value.empty() || value == "true";
      if (!value.empty() && value != "true" && value != "false")
        fail(Errc::invalid_argument, "invalid --security-opt 2: \"" + opt + "\"");
    } else if (key == "seccomp" && !value.empty()) {
      if (value == "unconfined")
        o.seccomp_unconfined = true;
      else
        o.seccomp_profile = value;
    } else if (key == "unmask" && !value.empty()) {
      if (value == "ALL")
        o.unmask_all = true;
      else
        o.unmask = split_colon(value);
    } else if (key == "mask" && !value.empty()) {
      o.mask = split_colon(value);
    } else if (key != "label" && key != "apparmor" && key != "systempaths") {
      fail(Errc::invalid_argument, "invalid --security-opt 1: \"" + opt + "\"");
    }
  }
  return o;
}

std::string read_profile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(Errc::invalid_argument, "opening seccomp profile failed: open " + path + ": no such file or directory");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string hostname_of(const ContainerSpec& spec, const OciInputs& in) {
  if (!spec.hostname.empty()) return spec.hostname;
  // podman gives a host-network container the host's name (its UTS namespace is still private).
  if (spec.network_mode == "host") {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) == 0) return buf;
  }
  return in.id.substr(0, 12);
}

json capabilities_json(const CapabilitySets& caps) {
  return {{"bounding", caps.bounding},
          {"effective", caps.effective},
          {"permitted", caps.effective},
          {"inheritable", caps.ambient},
          {"ambient", caps.ambient}};
}

json process_json(const ContainerSpec& spec, const OciInputs& in, const Config& config, const SecurityOpts& sec,
                  const CapabilitySets& caps, const std::string& hostname) {
  ProcessCommand cmd = resolve_command(spec, in.image);
  if (cmd.path.empty())
    fail(Errc::invalid_argument, "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
  std::vector<std::string> args;
  if (spec.init) args = {kInitPath, "--"};
  args.push_back(cmd.path);
  args.insert(args.end(), cmd.args.begin(), cmd.args.end());

  ProcessUser user = in.user.value_or(ProcessUser{});
  std::vector<std::string> env = merge_env(spec, in.image, config, hostname);
  bool has_home = false;
  for (const auto& e : env) has_home = has_home || e.rfind("HOME=", 0) == 0;
  if (!has_home) env.push_back("HOME=" + user.home);

  std::string cwd = !spec.working_dir.empty()                      ? spec.working_dir
                    : (in.image && !in.image->working_dir.empty()) ? in.image->working_dir
                                                                   : "/";
  json p = {{"terminal", spec.tty},
            {"user", {{"uid", user.uid}, {"gid", user.gid}}},
            {"args", args},
            {"env", env},
            {"cwd", cwd},
            {"capabilities", capabilities_json(caps)},
            {"rlimits", oci_rlimits(spec, config)},
            {"noNewPrivileges", sec.no_new_privileges}};
  if (!user.additional_gids.empty()) p["user"]["additionalGids"] = user.additional_gids;
  // runc sizes the pty at creation, so a shell's first prompt already sees it (a resize comes only after start).
  if (spec.tty && spec.console_height > 0 && spec.console_width > 0)
    p["consoleSize"] = {{"height", spec.console_height}, {"width", spec.console_width}};
  if (spec.oom_score_adj) p["oomScoreAdj"] = *spec.oom_score_adj;
  return p;
}

json namespaces_json(const ContainerSpec& spec, const OciInputs& in) {
  json ns = json::array({{{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}});
  if (!in.netns_path.empty())
    ns.push_back({{"type", "network"}, {"path", in.netns_path}});
  else if (spec.network_mode != "host")
    ns.push_back({{"type", "network"}});
  if (!spec.uid_map.empty()) ns.push_back({{"type", "user"}});
  return ns;
}

std::vector<std::string> without(const std::vector<std::string>& paths, const SecurityOpts& sec) {
  std::vector<std::string> out;
  if (sec.unmask_all) return out;
  for (const auto& p : paths)
    if (std::find(sec.unmask.begin(), sec.unmask.end(), p) == sec.unmask.end()) out.push_back(p);
  return out;
}

std::optional<json> seccomp_json(const ContainerSpec& spec, const OciInputs& in, const SecurityOpts& sec,
                                 const CapabilitySets& caps) {
  if (spec.privileged || sec.seccomp_unconfined) return std::nullopt;
  std::string text = sec.seccomp_profile.empty() ? in.seccomp_json : read_profile(sec.seccomp_profile);
  if (text.empty()) return std::nullopt;
  // The profile's cap conditions are evaluated against the bounding set, as podman does.
  return seccomp_to_oci(text, caps.bounding, kernel_release());
}

json annotations_json(const ContainerSpec& spec, const OciInputs& in) {
  json a = json::object();
  for (const auto& [k, v] : spec.annotations) a[k] = v;
  if (!a.contains("io.container.manager")) a["io.container.manager"] = "libpod";
  std::string stop = !spec.stop_signal.empty()                      ? spec.stop_signal
                     : (in.image && !in.image->stop_signal.empty()) ? in.image->stop_signal
                                                                    : "SIGTERM";
  a["org.opencontainers.image.stopSignal"] = std::to_string(parse_signal(stop));
  return a;
}

json linux_json(const ContainerSpec& spec, const OciInputs& in, const Config& config, const SecurityOpts& sec,
                const CapabilitySets& caps) {
  OciResources res = oci_resources(spec, config);
  std::string parent = in.cgroup_parent;
  while (!parent.empty() && parent.back() == '/') parent.pop_back();
  json l = {
      {"namespaces", namespaces_json(spec, in)}, {"cgroupsPath", parent + "/" + in.id}, {"resources", res.resources}};
  if (!res.devices.empty()) l["devices"] = res.devices;
  auto id_mappings = [](const std::vector<IdMap>& map) {
    json out = json::array();
    for (const auto& m : map) out.push_back({{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}});
    return out;
  };
  if (!spec.uid_map.empty()) {
    l["uidMappings"] = id_mappings(spec.uid_map);
    l["gidMappings"] = id_mappings(spec.gid_map);
  }
  if (!spec.privileged) {
    std::vector<std::string> masked = without(default_masked_paths(), sec);
    masked.insert(masked.end(), sec.mask.begin(), sec.mask.end());
    l["maskedPaths"] = masked;
    l["readonlyPaths"] = without(default_readonly_paths(), sec);
  }
  if (!spec.sysctls.empty()) l["sysctl"] = spec.sysctls;
  if (auto s = seccomp_json(spec, in, sec, caps)) l["seccomp"] = *s;
  return l;
}

}  // namespace

std::string oci_config_json(const ContainerSpec& spec, const OciInputs& in, const Config& config) {
  SecurityOpts sec = parse_security_opts(spec);
  bool root_user = !in.user || in.user->uid == 0;
  CapabilitySets caps = resolve_capabilities(spec, config, root_user);
  std::string hostname = hostname_of(spec, in);
  json doc = {{"ociVersion", kOciVersion},
              {"process", process_json(spec, in, config, sec, caps, hostname)},
              {"root", {{"path", in.rootfs}, {"readonly", spec.read_only_rootfs}}},
              {"hostname", hostname},
              {"mounts", oci_mounts(spec, in, config)},
              {"annotations", annotations_json(spec, in)},
              {"linux", linux_json(spec, in, config, sec, caps)}};
  if (!spec.domainname.empty()) doc["domainname"] = spec.domainname;
  return doc.dump();
}

}  // namespace berth::core::containers
