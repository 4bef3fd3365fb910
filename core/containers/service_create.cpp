// ContainerService::create: validate, resolve the image, prepare the container's directory, commit the rows.
#include <sys/random.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>

#include "core/containers/etc_files.hpp"
#include "core/containers/names.hpp"
#include "core/containers/oci_spec.hpp"
#include "core/containers/service.hpp"
#include "core/containers/service_impl.hpp"
#include "core/containers/userns.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace berth::core::containers {

namespace {

std::string random_id() {
  unsigned char bytes[32];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) fail(Errc::internal, "getrandom");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

void validate(const ContainerSpec& spec) {
  const auto& r = spec.restart;
  if (r.name != "no" && r.name != "always" && r.name != "on-failure" && r.name != "unless-stopped" && !r.name.empty())
    fail(Errc::invalid_argument, "invalid restart policy \"" + r.name + "\"");
  if (r.max_retries < 0) fail(Errc::invalid_argument, "maximum retry count cannot be negative");
  if (r.max_retries > 0 && r.name != "on-failure")
    fail(Errc::invalid_argument, "maximum retry count cannot be used with restart policy '" + r.name + "'");
  if (spec.auto_remove && !r.name.empty() && r.name != "no")
    fail(Errc::invalid_argument, "Conflicting options: --restart and --rm");
  const auto& m = spec.network_mode;
  if (!m.empty() && m != "none" && m != "host" && m != "private" && m != "bridge" && m != "default")
    fail(Errc::invalid_argument, "network mode \"" + m + "\" is not supported yet");
  if (!spec.stop_signal.empty()) parse_signal(spec.stop_signal);
  if (spec.resources.memory < 0 || spec.resources.memory_reservation < 0 || spec.resources.nano_cpus < 0 ||
      spec.resources.cpu_shares < 0 || spec.resources.cpu_quota < 0 || spec.resources.cpu_period < 0)
    fail(Errc::invalid_argument, "resource limits cannot be negative");
  if (spec.resources.memory > 0 && spec.resources.memory < 6 * 1024 * 1024)
    fail(Errc::invalid_argument, "Minimum memory limit allowed is 6MB");
  const auto& ld = spec.log_driver;
  if (!ld.empty() && ld != "k8s-file" && ld != "json-file" && ld != "none")
    fail(Errc::invalid_argument, "log driver \"" + ld + "\" is not supported: use k8s-file, json-file or none");
  for (const auto& mount : spec.mounts) {
    if (mount.destination.empty() || mount.destination[0] != '/')
      fail(Errc::invalid_argument, "invalid mount destination \"" + mount.destination + "\": it must be absolute");
    if (mount.type == "bind") {
      struct stat st {};
      if (mount.source.empty() || ::stat(mount.source.c_str(), &st) != 0)
        fail(Errc::invalid_argument,
             "invalid mount config for type \"bind\": bind source path does not exist: " + mount.source);
    } else if (mount.type != "tmpfs") {
      fail(Errc::invalid_argument, "mount type \"" + mount.type + "\" is not supported yet");
    }
  }
}

void make_dir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    fail(Errc::internal, "mkdir " + path + ": " + std::strerror(errno));
}

// docker's Binds (not Mounts): a missing absolute host path becomes a directory (0755), as docker and podman's
// compat create do; anything else missing is left to validate's 400.
void make_bind_sources(const ContainerSpec& spec) {
  for (const auto& m : spec.mounts) {
    if (m.type != "bind" || !m.create_source || m.source.empty() || m.source[0] != '/') continue;
    struct stat st {};
    if (::lstat(m.source.c_str(), &st) == 0) continue;
    std::error_code ec;
    std::filesystem::create_directories(m.source, ec);
    if (ec) fail(Errc::internal, "making volume mountpoint for volume " + m.source + ": " + ec.message());
  }
}

}  // namespace

CreateResult ContainerService::create(const ContainerSpec& in, images::ShortNamePolicy policy) {
  ContainerSpec spec = in;
  std::shared_ptr<const Image> image;
  if (spec.rootfs.empty()) {
    if (spec.image_id.empty() && spec.image.empty()) fail(Errc::invalid_argument, "no image given");
    image = impl_->images.inspect(spec.image_id.empty() ? spec.image : spec.image_id, policy);
    spec.image_id = image->id;
    if (spec.image.empty()) spec.image = image->tags.empty() ? image->id : image->tags.front();
  }
  make_bind_sources(spec);
  validate(spec);
  check_userns(spec);
  if (resolve_command(spec, image ? &image->config : nullptr).path.empty())
    fail(Errc::invalid_argument, "no command specified");

  std::unique_lock<std::mutex> userns_lock;  // held until the row is committed, so ranges are not given twice
  if (spec.userns == "auto") userns_lock = std::unique_lock(auto_userns_mutex());
  auto index = impl_->containers.index();
  if (spec.userns == "auto") {
    std::vector<const ContainerSpec*> others;
    for (const auto& [cid, c] : index->by_id) others.push_back(&c->spec);
    allocate_auto_userns(spec, impl_->config, others);
  }
  std::string name = spec.name.empty() ? generate_name([&](const std::string& n) { return index->by_name.contains(n); })
                                       : checked_name(spec.name);
  if (auto it = index->by_name.find(name); it != index->by_name.end()) name_in_use(name, it->second);
  spec.name = name;
  std::string id;
  do {
    id = random_id();
  } while (index->by_id.contains(id));

  ContainerPaths p = impl_->layout.paths(id);
  std::error_code ec;
  std::filesystem::create_directories(impl_->layout.containers_dir(), ec);
  make_dir(p.dir, 0700);
  try {
    make_dir(p.upper, 0755);
    make_dir(p.work, 0700);
    make_dir(p.merged, 0755);
    make_dir(p.persist, 0700);
    std::string hostname = spec.hostname.empty() ? id.substr(0, 12) : spec.hostname;
    EtcFiles files = etc_files(spec, name, hostname);
    write_file_atomic(p.hostname, files.hostname);
    write_file_atomic(p.hosts, files.hosts);
    write_file_atomic(p.resolv, files.resolv);
    Container c{.id = id, .name = name, .created_ns = now_ns(), .spec = spec};
    c.state.status = ContainerStatus::created;
    Event e = impl_->make_event(c, "create");
    impl_->containers.mutate([&](ContainerDraft& d) {
      d.add(c);
      impl_->events.record(d.db(), e);
    });
    impl_->events.announce(e);
  } catch (...) {
    std::filesystem::remove_all(p.dir, ec);
    throw;
  }
  return CreateResult{.id = id};
}

}  // namespace berth::core::containers
