// copy_registry_instance: HEAD, mount or stream each blob, then PUT the manifest by digest.
#include "core/manifests/copy_instance.hpp"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <set>

#include "core/error.hpp"
#include "core/images/manifest.hpp"
#include "core/images/reference.hpp"
#include "core/registry/credentials.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::manifests {

namespace {

// An unnamed file on the storage root's filesystem: gone with its last descriptor, even after a crash.
sys::Fd temp_file(const std::string& dir) {
  sys::Fd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd) fail(Errc::internal, "temporary file in " + dir + ": " + ::strerror(errno));
  return fd;
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(Errc::internal, std::string("write temporary blob: ") + ::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void copy_registry_instance(const Config& config, const ListEntry& entry, const registry::Source& target,
                            registry::RegistryClient& dest, const PushOptions& opts, const images::TransferEmit& emit,
                            const sys::CancelToken& cancel) {
  images::Reference src_ref = images::parse_reference(entry.source).normalized();
  registry::Source src = registry::push_target(config.registries, src_ref, opts.tls_verify);
  // The push's credentials name registries; the source registry's come from them or from the auth file.
  registry::RegistryClient source(src.endpoint, registry::find_credentials(src.registry, opts.credentials), &cancel);
  registry::Manifest m = source.get_manifest(src.repo, entry.digest);
  images::ParsedManifest parsed = images::parse_manifest(m.bytes, m.media_type);
  if (parsed.is_list) {
    fail(Errc::invalid_argument, "instance " + entry.digest + " of " + entry.source + " is itself a manifest list");
  }
  bool same_registry = src.endpoint.host == target.endpoint.host && src.endpoint.path == target.endpoint.path;
  std::vector<images::Descriptor> blobs = parsed.layers;
  blobs.push_back(parsed.config);
  std::set<std::string> done;
  for (const auto& b : blobs) {
    if (!done.insert(b.digest.str()).second) continue;
    if (cancel.cancelled()) fail(Errc::unavailable, "push cancelled");
    bool is_config = b.digest == parsed.config.digest;
    emit(TransferEvent{.status = std::string(is_config ? "Copying config " : "Copying blob ") + b.digest.str()});
    if (dest.has_blob(target.repo, b.digest)) continue;
    if (same_registry && dest.mount_blob(target.repo, b.digest, src.repo)) continue;
    sys::Fd tmp = temp_file(config.root);
    std::uint64_t size = 0;
    source.get_blob(src.repo, b.digest, [&](std::string_view chunk) {
      size += chunk.size();
      if (size > b.size) fail(Errc::invalid_argument, "blob is larger than its descriptor says", b.digest.str());
      write_all(tmp.get(), chunk);
    });
    if (size != b.size) fail(Errc::invalid_argument, "blob is shorter than its descriptor says", b.digest.str());
    if (::lseek(tmp.get(), 0, SEEK_SET) != 0) fail(Errc::internal, std::string("seek: ") + ::strerror(errno));
    dest.put_blob(target.repo, b.digest, tmp.get(), size);
  }
  dest.put_manifest(target.repo, entry.digest, m.media_type, m.bytes);
}

}  // namespace berth::core::manifests
