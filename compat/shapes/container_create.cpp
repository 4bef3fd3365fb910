// Docker's create body → core::ContainerSpec. Go's decoder is the reference: keys match without case, null leaves
// the zero value, a wrong JSON type is a 400 naming the field.
#include "compat/shapes/container_create.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "server/http/json_fields.hpp"

namespace berth::compat::shapes {
namespace {

using json = nlohmann::json;
using core::Errc;

// One object of the body and its JSON pointer (Go's decoding rules, docker's wording of a type error).
using Fields = http::JsonFields;

using http::bad_json_value;

const std::set<std::string, std::less<>> kPropagations = {"private", "rprivate", "shared",
                                                          "rshared", "slave",    "rslave"};

// "80" → "80/tcp", as docker's nat.NewPort does.
std::string port_key(const std::string& port) { return port.find('/') == std::string::npos ? port + "/tcp" : port; }

void parse_mounts(const Fields& host, core::ContainerSpec& spec) {
  for (const auto& bind : host.strings("Binds")) spec.mounts.push_back(parse_bind(bind));
  for (const auto& m : host.objects("Mounts")) {
    core::MountSpec mount{.type = m.str("Type"), .source = m.str("Source"), .destination = m.str("Target")};
    if (mount.type.empty()) mount.type = "volume";  // docker's default Type
    if (mount.type != "bind" && mount.type != "tmpfs" && mount.type != "volume")
      bad_json_value(m.at("Type"), "mount type '" + mount.type + "' is not supported");
    if (mount.destination.empty()) bad_json_value(m.at("Target"), "a mount needs a Target");
    mount.read_only = m.flag("ReadOnly");
    mount.propagation = m.object("BindOptions").str("Propagation");
    if (!mount.propagation.empty() && !kPropagations.count(mount.propagation))
      bad_json_value(m.at("BindOptions") + "/Propagation", "invalid propagation '" + mount.propagation + "'");
    auto tmpfs = m.object("TmpfsOptions");
    if (auto size = tmpfs.opt_int("SizeBytes"); size && *size > 0)
      mount.options.push_back("size=" + std::to_string(*size));
    if (auto mode = tmpfs.opt_int("Mode"); mode && *mode > 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "mode=%llo", static_cast<unsigned long long>(*mode));
      mount.options.emplace_back(buf);
    }
    spec.mounts.push_back(std::move(mount));
  }
  for (const auto& [dest, opts] : host.string_map("Tmpfs")) {
    core::MountSpec mount{.type = "tmpfs", .destination = dest};
    for (std::size_t pos = 0; pos < opts.size();) {
      auto comma = std::min(opts.find(',', pos), opts.size());
      auto opt = opts.substr(pos, comma - pos);
      if (opt == "ro") mount.read_only = true;
      if (!opt.empty()) mount.options.push_back(opt);
      pos = comma + 1;
    }
    spec.mounts.push_back(std::move(mount));
  }
}

// Config.Volumes lists anonymous volumes; docker-py also repeats every bind target there, so targets already
// mounted are not volumes.
void parse_anonymous_volumes(const Fields& config, core::ContainerSpec& spec) {
  for (const auto& dest : config.keys("Volumes")) {
    bool mounted = std::any_of(spec.mounts.begin(), spec.mounts.end(),
                               [&](const core::MountSpec& m) { return m.destination == dest; });
    if (!mounted) spec.mounts.push_back({.type = "volume", .destination = dest});
  }
}

void parse_resources(const Fields& host, core::Resources& r) {
  r.memory = host.integer("Memory");
  r.memory_reservation = host.integer("MemoryReservation");
  r.memory_swap = host.integer("MemorySwap");
  r.nano_cpus = host.integer("NanoCpus");
  r.cpu_shares = host.integer("CpuShares");
  r.cpu_quota = host.integer("CpuQuota");
  r.cpu_period = host.integer("CpuPeriod");
  r.cpuset_cpus = host.str("CpusetCpus");
  r.cpuset_mems = host.str("CpusetMems");
  r.pids_limit = host.integer("PidsLimit");
  auto weight = host.integer("BlkioWeight");
  if (weight < 0 || weight > 1000) bad_json_value(host.at("BlkioWeight"), "must be 0 or between 10 and 1000");
  r.blkio_weight = static_cast<std::uint16_t>(weight);
}

void parse_security(const Fields& host, core::ContainerSpec& spec) {
  spec.privileged = host.flag("Privileged");
  spec.cap_add = host.strings("CapAdd");
  spec.cap_drop = host.strings("CapDrop");
  spec.security_opt = host.strings("SecurityOpt");
  for (const auto& opt : spec.security_opt)
    if (opt == "no-new-privileges" || opt == "no-new-privileges:true" || opt == "no-new-privileges=true")
      spec.no_new_privileges = true;
  for (const auto& d : host.objects("Devices")) {
    core::DeviceSpec dev{.path_on_host = d.str("PathOnHost"), .path_in_container = d.str("PathInContainer")};
    if (dev.path_on_host.empty()) bad_json_value(d.at("PathOnHost"), "a device needs PathOnHost");
    if (dev.path_in_container.empty()) dev.path_in_container = dev.path_on_host;
    if (auto perms = d.str("CgroupPermissions"); !perms.empty()) dev.permissions = perms;
    spec.devices.push_back(std::move(dev));
  }
  spec.sysctls = host.string_map("Sysctls");
  spec.userns = host.str("UsernsMode");
  if (spec.userns != "" && spec.userns != "host")  // docker has no per-container mappings to give
    core::fail(Errc::invalid_argument, "UsernsMode \"" + spec.userns + "\" is not supported: only \"host\" is");
  if (auto adj = host.opt_int("OomScoreAdj"); adj && *adj != 0) spec.oom_score_adj = static_cast<int>(*adj);
  for (const auto& u : host.objects("Ulimits"))
    spec.ulimits.push_back({.name = u.str("Name"), .soft = u.integer("Soft"), .hard = u.integer("Hard")});
}

void parse_network(const Fields& host, core::ContainerSpec& spec) {
  auto mode = host.str("NetworkMode");
  if (mode.empty() || mode == "default" || mode == "bridge") {
    spec.network_mode = "";
  } else if (mode == "none" || mode == "host") {
    spec.network_mode = mode;
  } else if (mode.rfind("container:", 0) == 0) {
    bad_json_value(host.at("NetworkMode"), "joining another container's network namespace is not supported yet");
  } else {  // a user-defined network: none exist until the networks issue lands, so docker's 404 text
    core::fail(Errc::not_found, "network " + mode + " not found");
  }
  spec.dns_servers = host.strings("Dns");
  spec.dns_search = host.strings("DnsSearch");
  spec.dns_options = host.strings("DnsOptions");
  spec.extra_hosts = host.strings("ExtraHosts");
  auto ports = host.object("PortBindings");
  for (const auto& port : host.keys("PortBindings")) {
    auto& bindings = spec.port_bindings[port_key(port)];
    for (const auto& b : ports.objects(port))
      bindings.push_back({.host_ip = b.str("HostIp"), .host_port = b.str("HostPort")});
  }
  spec.publish_all = host.flag("PublishAllPorts");
}

void parse_lifecycle(const Fields& host, core::ContainerSpec& spec) {
  spec.init = host.flag("Init");
  auto restart = host.object("RestartPolicy");
  spec.restart.name = restart.str("Name");
  if (spec.restart.name.empty()) spec.restart.name = "no";
  static const std::set<std::string, std::less<>> names = {"no", "always", "on-failure", "unless-stopped"};
  if (!names.count(spec.restart.name))
    bad_json_value(restart.at("Name"), "invalid restart policy '" + spec.restart.name + "'");
  spec.restart.max_retries = restart.int32("MaximumRetryCount");
  if (spec.restart.max_retries < 0) bad_json_value(restart.at("MaximumRetryCount"), "must not be negative");
  if (spec.restart.max_retries > 0 && spec.restart.name != "on-failure")
    bad_json_value(restart.at("MaximumRetryCount"),
                   "maximum retry count cannot be used with restart policy '" + spec.restart.name + "'");
  spec.auto_remove = host.flag("AutoRemove");
  if (spec.auto_remove && spec.restart.name != "no")
    bad_json_value(host.at("AutoRemove"), "can't create 'AutoRemove' container with restart policy");
  auto log = host.object("LogConfig");
  spec.log_driver = log.str("Type");
  spec.log_options = log.string_map("Config");
}

// HostConfig.ConsoleSize, Go's *[2]uint: [height, width], null or absent for none.
void parse_console_size(const Fields& host, core::ContainerSpec& spec) {
  const json* size = host.find("ConsoleSize");
  if (!size) return;
  if (!size->is_array()) bad_json_value(host.at("ConsoleSize"), "cannot unmarshal into [2]uint");
  unsigned dims[2] = {0, 0};
  for (std::size_t i = 0; i < 2 && i < size->size(); ++i) {
    const json& d = (*size)[i];
    if (!d.is_number_unsigned() || d.get<std::uint64_t>() > 65535)
      bad_json_value(host.at("ConsoleSize") + "/" + std::to_string(i), "console size must be between 0 and 65535");
    dims[i] = d.get<unsigned>();
  }
  spec.console_height = dims[0];
  spec.console_width = dims[1];
}

// Settings Berth has no way to honour yet: refusing them beats silently running something else.
void refuse_unsupported(const Fields& host) {
  if (!host.strings("Links").empty()) bad_json_value(host.at("Links"), "links are not supported");
  if (!host.strings("VolumesFrom").empty()) bad_json_value(host.at("VolumesFrom"), "volumes-from is not supported yet");
}

void parse_config(const Fields& config, core::ContainerSpec& spec) {
  spec.image = config.str("Image");
  if (spec.image.empty()) bad_json_value(config.at("Image"), "an image is required");
  spec.command = config.str_slice("Cmd");
  spec.entrypoint = config.str_slice("Entrypoint");
  spec.env = config.strings("Env");
  spec.working_dir = config.str("WorkingDir");
  spec.user = config.str("User");
  spec.hostname = config.str("Hostname");
  spec.domainname = config.str("Domainname");
  spec.labels = config.string_map("Labels");
  spec.tty = config.flag("Tty");
  spec.open_stdin = config.flag("OpenStdin");
  spec.stdin_once = config.flag("StdinOnce");
  spec.attach_stdin = config.flag("AttachStdin");
  spec.attach_stdout = config.flag("AttachStdout");
  spec.attach_stderr = config.flag("AttachStderr");
  spec.stop_signal = config.str("StopSignal");
  if (config.find("StopTimeout")) spec.stop_timeout = config.int32("StopTimeout");
  for (const auto& port : config.keys("ExposedPorts")) spec.exposed_ports.push_back(port_key(port));
}

}  // namespace

core::MountSpec parse_bind(std::string_view bind) {
  std::vector<std::string> parts;
  for (std::size_t pos = 0; pos <= bind.size();) {
    auto colon = std::min(bind.find(':', pos), bind.size());
    parts.emplace_back(bind.substr(pos, colon - pos));
    pos = colon + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    core::fail(Errc::invalid_argument, "invalid volume specification: '" + std::string(bind) + "'");
  core::MountSpec mount{
      .type = parts[0].front() == '/' ? "bind" : "volume", .source = parts[0], .destination = parts[1]};
  mount.create_source = mount.type == "bind";  // docker (and podman's compat create) make a missing directory
  if (mount.destination.front() != '/')
    core::fail(Errc::invalid_argument, "invalid volume specification: '" + std::string(bind) + "'",
               "the destination must be an absolute path");
  if (parts.size() == 3)
    for (std::size_t pos = 0; pos < parts[2].size();) {
      auto comma = std::min(parts[2].find(',', pos), parts[2].size());
      auto opt = parts[2].substr(pos, comma - pos);
      pos = comma + 1;
      if (opt == "ro" || opt == "rw") {
        mount.read_only = opt == "ro";
      } else if (kPropagations.count(opt)) {
        mount.propagation = opt;
      } else if (opt == "z" || opt == "Z" || opt == "nocopy") {
        mount.options.push_back(opt);
      } else {
        core::fail(Errc::invalid_argument, "invalid mode: " + opt,
                   "invalid volume specification: '" + std::string(bind) + "'");
      }
    }
  return mount;
}

core::ContainerSpec container_spec_from_json(std::string_view body, std::string name) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) core::fail(Errc::invalid_argument, "decode container create body: malformed JSON");
  return container_spec_from_doc(doc, std::move(name));
}

core::ContainerSpec container_spec_from_doc(const json& body, std::string name) {
  core::ContainerSpec spec;
  spec.name = std::move(name);
  Fields config(&body, "");
  parse_config(config, spec);
  auto host = config.object("HostConfig");
  refuse_unsupported(host);
  parse_mounts(host, spec);
  parse_anonymous_volumes(config, spec);
  spec.read_only_rootfs = host.flag("ReadonlyRootfs");
  spec.shm_size = host.integer("ShmSize");
  parse_security(host, spec);
  parse_resources(host, spec.resources);
  parse_network(host, spec);
  parse_lifecycle(host, spec);
  parse_console_size(host, spec);
  spec.group_add = host.strings("GroupAdd");
  return spec;
}

json create_reply_json(const std::string& id, const std::vector<std::string>& warnings) {
  return {{"Id", id}, {"Warnings", warnings}};
}

}  // namespace berth::compat::shapes
