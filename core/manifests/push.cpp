// ManifestService::push: the list's instances (with all: local images pushed by digest, registry ones copied), then
// the list under the destination tag.
#include "core/error.hpp"
#include "core/images/media_types.hpp"
#include "core/images/reference.hpp"
#include "core/images/resolve.hpp"
#include "core/manifests/copy_instance.hpp"
#include "core/manifests/service.hpp"
#include "core/registry/client.hpp"
#include "core/registry/endpoints.hpp"

namespace berth::core::manifests {

namespace {

ListFormat list_format(const std::string& format) {
  if (format.empty() || format == "v2s2") return ListFormat::docker;
  if (format == "oci") return ListFormat::oci;
  fail(Errc::invalid_argument, "unsupported manifest format \"" + format + "\": use v2s2 or oci");
}

}  // namespace

std::string ManifestService::push(std::string_view name, std::string_view destination, const PushOptions& opts,
                                  const images::TransferEmit& emit, const sys::CancelToken& cancel) {
  ManifestList list = get(name);
  std::string dest_text = destination.empty() ? list.name : std::string(destination);
  if (dest_text.starts_with("docker://")) dest_text.erase(0, 9);
  images::Reference dest =
      images::parse_reference(images::normalize_new_name(dest_text, images::ShortNamePolicy::podman)).normalized();
  ListFormat format = list_format(opts.format);
  std::string repo = dest.name();

  registry::Source target = registry::push_target(config_.registries, dest, opts.tls_verify);
  registry::RegistryClient client(target.endpoint, registry::find_credentials(target.registry, opts.credentials),
                                  &cancel);
  if (opts.all) {
    for (auto& e : list.entries) {
      if (cancel.cancelled()) fail(Errc::unavailable, "push cancelled");
      if (e.image_id.empty()) {
        // Added by reference: copied from its registry (a same-repository destination already has it).
        if (!e.source.empty()) copy_registry_instance(config_, e, target, client, opts, emit, cancel);
        continue;
      }
      // The same format the digest was computed for, so the registry gets exactly the manifest the list names.
      std::string image_format = e.media_type == images::media_types::kOciManifest ? "oci" : "v2s2";
      std::string pushed;
      std::uint64_t pushed_size = 0;
      images_.push(
          e.image_id,
          images::PushOptions{.destination = repo,
                              .policy = images::ShortNamePolicy::podman,
                              .format = image_format,
                              .tls_verify = opts.tls_verify,
                              .credentials = opts.credentials,
                              .by_digest = true},
          [&](TransferEvent ev) {
            if (ev.kind == TransferEvent::Kind::done) {
              pushed = ev.digest;
              pushed_size = ev.size;
              return;
            }
            emit(std::move(ev));
          },
          cancel);
      // Should the image have changed since it was added, the list follows what the registry now holds.
      if (!pushed.empty() && pushed != e.digest) {
        e.digest = pushed;
        e.size = pushed_size;
      }
    }
  }

  std::string media_type(format == ListFormat::oci ? images::media_types::kOciIndex : images::media_types::kDockerList);
  std::string bytes = list_document(list, format);
  std::string tag = dest.tag.empty() ? "latest" : dest.tag;
  emit(TransferEvent{.status = "Writing manifest list to image destination"});
  images::Digest digest = client.put_manifest(target.repo, tag, media_type, bytes);
  emit(TransferEvent{.status = "Storing list signatures"});
  emit(TransferEvent{.kind = TransferEvent::Kind::done, .digest = digest.str(), .size = bytes.size(), .tag = tag});
  return digest.str();
}

}  // namespace berth::core::manifests
