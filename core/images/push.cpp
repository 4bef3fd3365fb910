// ImageService::push and login: layers (gzipped on the way out when stored plain) skipped, mounted or uploaded,
// then the config and a docker schema2 or OCI manifest under the tag, with docker's events.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "core/images/archive_codec.hpp"
#include "core/images/layer_fetch.hpp"
#include "core/images/manifest.hpp"
#include "core/images/service.hpp"
#include "core/images/service_impl.hpp"
#include "core/registry/credentials.hpp"
#include "core/registry/endpoints.hpp"

namespace berth::core::images {

namespace {

// A layer as it will be uploaded: the kept blob, or a gzipped copy of it.
struct OutgoingLayer {
  const ImageLayer* layer = nullptr;
  sys::Fd fd;
  Compression compression = Compression::none;
  std::optional<TempBlob> gzipped;

  Digest digest() const { return gzipped ? gzipped->digest : Digest::parse(layer->blob_digest); }
  std::uint64_t size() const { return gzipped ? gzipped->size : layer->blob_size; }
  int upload_fd() const { return gzipped ? gzipped->fd.get() : fd.get(); }
};

[[noreturn]] void push_cancelled() { fail(Errc::unavailable, "push cancelled"); }

std::string destination_of(const ResolvedImage& r, const PushOptions& opts) {
  if (!opts.destination.empty()) return normalize_new_name(opts.destination, opts.policy);
  if (!r.name.empty()) return r.name;
  if (!r.image->tags.empty()) return r.image->tags.front();
  fail(Errc::invalid_argument, "the image has no name to push to: give a destination");
}

// zstd layers cannot be described by a docker schema2 manifest: the default format turns into OCI for them (as
// podman does), an explicit v2s2 is refused.
ManifestFormat format_of(const std::string& format, const std::vector<OutgoingLayer>& layers) {
  bool zstd = std::any_of(layers.begin(), layers.end(),
                          [](const OutgoingLayer& l) { return l.compression == Compression::zstd; });
  if (format == "oci") return ManifestFormat::oci;
  if (format == "v2s2" && zstd)
    fail(Errc::invalid_argument, "zstd-compressed layers need the oci manifest format, not v2s2");
  if (format.empty() || format == "v2s2") return zstd ? ManifestFormat::oci : ManifestFormat::docker;
  fail(Errc::invalid_argument, "unsupported manifest format \"" + format + "\": use v2s2 or oci");
}

void rewind(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) fail(Errc::internal, std::string("seek blob: ") + ::strerror(errno));
}

// Repositories of the same registry this image is known under: blobs may be mounted from them.
std::vector<std::string> mount_sources(const Image& image, const Reference& dest, const registry::Source& target,
                                       const RegistriesConfig& conf) {
  std::vector<std::string> out;
  std::vector<std::string> names = image.tags;
  names.insert(names.end(), image.digests.begin(), image.digests.end());
  for (const auto& n : names) {
    try {
      Reference r = parse_reference(n);
      if (r.normalized().domain != dest.normalized().domain) continue;
      registry::Source s = registry::push_target(conf, r, std::nullopt);
      if (s.endpoint.host != target.endpoint.host || s.repo == target.repo) continue;
      if (std::find(out.begin(), out.end(), s.repo) == out.end()) out.push_back(s.repo);
    } catch (const Error&) {
      // A name no registry entry accepts is simply no mount source.
    }
  }
  return out;
}

constexpr std::size_t kMountTries = 3;  // remembered repositories tried per blob before uploading it

class Pusher {
 public:
  Pusher(registry::RegistryClient& client, const registry::Source& target, const BlobLocations& locations,
         const TransferEmit& emit, const sys::CancelToken& cancel)
      : client_(client), target_(target), locations_(locations), emit_(emit), cancel_(cancel) {}

  void layer(const std::string& id, std::string status, std::uint64_t current = 0, std::uint64_t total = 0) const {
    emit_(TransferEvent{
        .kind = TransferEvent::Kind::layer, .id = id, .status = std::move(status), .current = current, .total = total});
  }

  void checkpoint() const {
    if (cancel_.cancelled()) push_cancelled();
  }

  // HEAD, else a mount from one of `from` or of the repositories the blob was last seen in on this registry, else
  // an upload; events under `id` unless it is empty (the config).
  void send(const std::string& id, const Digest& d, int fd, std::uint64_t size, const std::vector<std::string>& from) {
    checkpoint();
    if (client_.has_blob(target_.repo, d)) {
      if (!id.empty()) layer(id, "Layer already exists");
      locations_.record(d, target_.endpoint, target_.repo);
      return;
    }
    std::vector<std::string> sources = from;
    for (auto& repo : locations_.repos(d, target_.endpoint, kMountTries + 1)) {
      if (repo != target_.repo && std::find(sources.begin(), sources.end(), repo) == sources.end())
        sources.push_back(std::move(repo));
    }
    for (std::size_t k = 0; k < sources.size() && k < from.size() + kMountTries; ++k) {
      checkpoint();
      if (client_.mount_blob(target_.repo, d, sources[k])) {
        if (!id.empty()) layer(id, "Mounted from " + sources[k]);
        locations_.record(d, target_.endpoint, target_.repo);
        return;
      }
    }
    ProgressThrottle throttle;
    rewind(fd);
    client_.put_blob(target_.repo, d, fd, size, [&](std::uint64_t done, std::uint64_t) {
      if (!id.empty() && throttle.due(done)) layer(id, "Pushing", done, size);
    });
    if (!id.empty()) layer(id, "Pushed");
    locations_.record(d, target_.endpoint, target_.repo);
  }

 private:
  registry::RegistryClient& client_;
  const registry::Source& target_;
  const BlobLocations& locations_;
  const TransferEmit& emit_;
  const sys::CancelToken& cancel_;
};

}  // namespace

void ImageService::push(std::string_view name, const PushOptions& opts, const TransferEmit& emit,
                        const sys::CancelToken& cancel) {
  ResolvedImage r = impl_->resolve(name, opts.policy);
  const Image& image = *r.image;
  Reference dest = parse_reference(destination_of(r, opts)).normalized();
  registry::Source target = registry::push_target(impl_->config.registries, dest, opts.tls_verify);
  std::set<std::string> kept = blobs_of(image);
  PinGuard pin(impl_->pins, std::vector<std::string>(kept.begin(), kept.end()));

  // Open every blob first: a missing one fails the push before anything is uploaded.
  std::vector<OutgoingLayer> layers;
  std::set<std::string> seen;
  for (const auto& l : image.layers) {
    if (!seen.insert(l.blob_digest).second) continue;  // one blob used twice is pushed once
    OutgoingLayer out{.layer = &l, .fd = impl_->blobs.open(Digest::parse(l.blob_digest))};
    out.compression = sniff_compression(out.fd.get());
    layers.push_back(std::move(out));
  }
  ManifestFormat format = format_of(opts.format, layers);

  registry::RegistryClient client(target.endpoint, registry::find_credentials(target.registry, opts.credentials),
                                  &cancel);
  Pusher pusher(client, target, impl_->locations, emit, cancel);
  // podman's lines (the compat tree drops them; it writes docker's own) come before the layer events, which libpod
  // then ignores.
  emit(TransferEvent{.status = "Getting image source signatures"});
  for (const auto& l : layers) emit(TransferEvent{.status = "Copying blob " + l.layer->blob_digest});
  // docker lists the top layer first and names layers by diff_id, which stays the same whether or not the blob is
  // gzipped on the way.
  std::reverse(layers.begin(), layers.end());
  auto id_of = [](const OutgoingLayer& l) { return short_hex(Digest::parse(l.layer->diff_id)); };
  for (const auto& l : layers) pusher.layer(id_of(l), "Preparing");
  for (std::size_t i = 1; i < layers.size(); ++i) pusher.layer(id_of(layers[i]), "Waiting");
  std::vector<std::string> from = mount_sources(image, dest, target, impl_->config.registries);
  std::string temp_dir = impl_->blobs.root() + "/ingest";
  for (auto& l : layers) {
    pusher.checkpoint();
    if (l.compression == Compression::none && opts.compress) {
      l.gzipped = gzip_to_temp(l.fd.get(), temp_dir);
      l.compression = Compression::gzip;
    }
    pusher.send(id_of(l), l.digest(), l.upload_fd(), l.size(), from);
  }
  Digest config = Digest::from_hex(image.id);
  emit(TransferEvent{.status = "Copying config " + config.str()});
  sys::Fd config_fd = impl_->blobs.open(config);
  pusher.send("", config, config_fd.get(), image.config_json.size(), {});

  std::vector<PushLayer> listed;
  std::reverse(layers.begin(), layers.end());
  for (const auto& l : layers) {
    listed.push_back(
        PushLayer{.digest = l.digest(),
                  .size = l.size(),
                  .media_type = std::string(format == ManifestFormat::oci ? oci_layer_media_type(l.compression)
                                                                          : docker_layer_media_type(l.compression))});
  }
  // The manifest lists every layer in order, duplicates included.
  std::vector<PushLayer> ordered;
  for (const auto& il : image.layers) {
    for (std::size_t k = 0; k < layers.size(); ++k)
      if (layers[k].layer->blob_digest == il.blob_digest) ordered.push_back(listed[k]);
  }
  BuiltManifest manifest = build_manifest(format, config, image.config_json.size(), ordered);
  pusher.checkpoint();
  // A manifest list's instances go under their digests, not the destination's tag (which the list takes).
  std::string tag = opts.by_digest ? manifest.digest.str() : dest.tag.empty() ? "latest" : dest.tag;
  emit(TransferEvent{.status = "Writing manifest to image destination"});
  Digest digest = client.put_manifest(target.repo, tag, manifest.media_type, manifest.bytes);
  emit(TransferEvent{.status = "Storing signatures"});
  impl_->emit("push", image.id, dest.str());
  // docker's "<tag>: digest: sha256:... size: N" line is the compat tree's to write from `done`.
  emit(TransferEvent{
      .kind = TransferEvent::Kind::done, .digest = digest.str(), .size = manifest.bytes.size(), .tag = tag});
}

void ImageService::login(const std::string& server, const registry::Credentials& credentials,
                         std::optional<bool> tls_verify) {
  Reference ref;
  ref.domain = registry::normalize_registry_host(server.empty() ? std::string(kDockerDomain) : server);
  ref.path = "library/login";  // only the registry matters; a path keeps prefix matching well-formed
  registry::Source target = registry::push_target(impl_->config.registries, ref, tls_verify);
  std::optional<registry::Credentials> creds;
  if (!credentials.empty()) creds = credentials;
  registry::RegistryClient client(target.endpoint, creds);
  try {
    client.ping();
  } catch (const Error& e) {
    // A registry that refuses the account with 403 refuses the login all the same.
    if (e.code() == Errc::forbidden) throw Error(Errc::unauthorized, e.cause(), e.message());
    throw;
  }
}

}  // namespace berth::core::images
