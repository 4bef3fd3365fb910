// ImageService::pull: names to try (docker normalisation, podman aliases and search registries), sources per name
// (mirrors first), then manifest → platform → config → layers → one commit, reporting docker's events.
#include <algorithm>
#include <optional>

#include "core/error.hpp"
#include "core/images/archive_codec.hpp"
#include "core/images/image_config.hpp"
#include "core/images/layer_fetch.hpp"
#include "core/images/manifest.hpp"
#include "core/images/pull_layers.hpp"
#include "core/images/service.hpp"
#include "core/images/service_impl.hpp"
#include "core/registry/credentials.hpp"
#include "core/registry/endpoints.hpp"

namespace berth::core::images {

namespace {

struct Pulled {
  std::string id;
  Digest digest;
};

// What podman (libimage) tries for a pull: a full name is itself; a short name is its alias, else itself on each
// unqualified-search registry (never localhost: nothing is pulled from there). docker: docker.io.
std::vector<Reference> pull_candidates(const Reference& ref, ShortNamePolicy policy, const RegistriesConfig& conf) {
  if (!ref.is_short_name() || policy == ShortNamePolicy::docker) return {ref.normalized()};
  if (auto it = conf.aliases.find(ref.path); it != conf.aliases.end()) {
    Reference alias = parse_reference(it->second);
    if (alias.is_short_name()) fail(Errc::invalid_argument, "alias \"" + it->second + "\" is not fully qualified");
    alias.tag = ref.tag;
    alias.digest = ref.digest;
    return {alias.normalized()};
  }
  // Without a terminal nobody can pick among several registries.
  if (conf.short_name_mode == "enforcing" && conf.unqualified_search.size() > 1)
    fail(Errc::invalid_argument, "short-name resolution enforced but cannot prompt without a TTY");
  if (conf.unqualified_search.empty()) {
    fail(Errc::invalid_argument, "short-name \"" + ref.path +
                                     "\" did not resolve to an alias and no unqualified-search registries are defined "
                                     "in \"/etc/containers/registries.conf\"");
  }
  std::vector<Reference> out;
  for (const auto& registry : conf.unqualified_search) {
    Reference c = ref;
    c.domain = registry;
    out.push_back(c.normalized());
  }
  return out;
}

// The layer media type the store records: the OCI name of the blob's compression.
std::string stored_media_type(std::string_view manifest_type) {
  Compression c = Compression::none;
  if (manifest_type.find("gzip") != std::string_view::npos) c = Compression::gzip;
  if (manifest_type.find("zstd") != std::string_view::npos) c = Compression::zstd;
  return std::string(oci_layer_media_type(c));
}

}  // namespace

class ImageService::Impl::Pull {
 public:
  Pull(Impl& impl, const PullOptions& opts, const TransferEmit& emit, const sys::CancelToken& cancel)
      : impl_(impl), opts_(opts), emit_(emit), cancel_(cancel) {}

  std::vector<Pulled> run(const Reference& ref) {
    std::optional<Error> last;
    for (Reference cand : pull_candidates(ref, opts_.policy, impl_.config.registries)) {
      checkpoint();
      if (opts_.all_tags) cand.tag.clear();
      message("Trying to pull " + (opts_.all_tags ? cand.name() : cand.str()) + "...");
      registry::check_policy(cand);
      for (const auto& src : registry::pull_sources(impl_.config.registries, cand, opts_.tls_verify)) {
        try {
          return opts_.all_tags ? every_tag(src, cand) : std::vector<Pulled>{one(src, cand)};
        } catch (const Error& e) {
          checkpoint();
          last = e;
          if (!src.mirror) break;  // a mirror's failure falls through to the next source
        }
      }
    }
    if (!last) fail(Errc::not_found, "no registry to pull from", ref.str());
    throw *last;
  }

 private:
  void checkpoint() const {
    if (cancel_.cancelled()) pull_cancelled();
  }

  void message(std::string text) const {
    emit_(TransferEvent{.kind = TransferEvent::Kind::message, .status = std::move(text)});
  }

  void layer(std::string id, std::string status, std::uint64_t current = 0, std::uint64_t total = 0) const {
    emit_(TransferEvent{.kind = TransferEvent::Kind::layer,
                        .id = std::move(id),
                        .status = std::move(status),
                        .current = current,
                        .total = total});
  }

  std::vector<Pulled> every_tag(const registry::Source& src, const Reference& repo) {
    std::vector<std::string> tags;
    {
      registry::RegistryClient client(src.endpoint, registry::find_credentials(src.registry, opts_.credentials),
                                      &cancel_);
      tags = client.tags(src.repo);
    }
    if (tags.empty()) fail(Errc::not_found, "repository has no tags", repo.name());
    std::vector<Pulled> out;
    for (const auto& t : tags) {
      Reference r = repo;
      r.tag = t;
      out.push_back(one(src, r));
    }
    return out;
  }

  // One reference from one source, committed, with docker's closing messages.
  Pulled one(const registry::Source& src, const Reference& ref) {
    std::optional<registry::Credentials> creds = registry::find_credentials(src.registry, opts_.credentials);
    registry::RegistryClient client(src.endpoint, creds, &cancel_);
    std::string wanted = ref.digest ? ref.digest->str() : ref.tag;
    registry::Manifest top = client.get_manifest(src.repo, wanted);
    ParsedManifest image = parse_manifest(top.bytes, top.media_type);
    if (image.is_list) {
      const Platform& p = opts_.platform;
      Digest entry = select_platform(image, wanted_platform({p.os, p.architecture, p.variant})).digest;
      checkpoint();
      registry::Manifest m = client.get_manifest(src.repo, entry.str());
      if (m.digest != entry) fail(Errc::invalid_argument, "digest mismatch", "manifest " + entry.str());
      image = parse_manifest(m.bytes, m.media_type);
      if (image.is_list) fail(Errc::invalid_argument, "a manifest list entry is itself a list", entry.str());
    }
    checkpoint();

    // Everything this pull may write stays pinned (blob GC leaves it alone) until the image is committed or dropped.
    std::vector<std::string> pinned{top.digest.str(), image.config.digest.str()};
    for (const auto& l : image.layers) pinned.push_back(l.digest.str());
    PinGuard pins(impl_.pins, pinned);
    Pulled out{.digest = top.digest};
    try {
      out.id = fetch_and_commit(client, src, ref, top, image, creds);
    } catch (...) {
      impl_.discard_blobs(pins);
      if (cancel_.cancelled()) pull_cancelled();
      throw;
    }
    impl_.discard_blobs(pins);  // blobs no image ended up using (an image that was already here)
    return out;
  }

  std::string fetch_and_commit(registry::RegistryClient& client, const registry::Source& src, const Reference& ref,
                               const registry::Manifest& top, const ParsedManifest& image,
                               const std::optional<registry::Credentials>& creds) {
    impl_.blobs.put(top.bytes);
    std::string config_json = fetch_small_blob(client, src.repo, image.config);
    impl_.blobs.put(config_json);
    impl_.locations.record(image.config.digest, src.endpoint, src.repo);
    ImageConfigFacts facts = parse_image_config(config_json);
    std::string id = Sha256::of(config_json).hex();
    auto index = impl_.images.index();
    std::vector<LayerJob> jobs = plan_layers(image.layers, facts.diff_ids, *index, impl_.blobs);
    // docker skips the layers altogether when the image is already here: only its name is (re)set.
    bool have = index->by_id.contains(id);
    // podman's lines (the compat tree drops them) come before the layer events, which libpod then ignores.
    message("Getting image source signatures");
    for (const auto& j : jobs) {
      if (!j.dup)
        message("Copying blob " + j.desc.digest.str() + (have || j.present ? " skipped: already exists" : ""));
    }
    std::vector<std::optional<StagedLayer>> staged;
    if (!have) staged = download_layers(jobs, {src, creds, cancel_, impl_.blobs, impl_.layers, impl_.locations, emit_});
    checkpoint();
    message("Copying config " + image.config.digest.str());

    // A digest pull records repo@digest, a tag pull repo:tag.
    Reference named = ref;
    if (named.digest) named.tag.clear();
    std::string name = named.str();
    auto held = index->by_name.find(name);
    bool up_to_date = held != index->by_name.end() && held->second == id;
    NewImage ni{.config_json = config_json,
                .manifest_digest = top.digest.str(),
                .manifest_media_type = image.media_type,
                .names = {name},
                .event = "pull",
                .event_name = name};
    for (const auto& j : jobs) {
      ni.layers.push_back(NewLayer{.diff_id = j.diff_id.str(),
                                   .blob_digest = j.desc.digest.str(),
                                   .media_type = stored_media_type(j.desc.media_type),
                                   .blob_size = j.desc.size});
    }
    std::vector<bool> completed(jobs.size());
    auto on_layer = [&](std::size_t i, bool done) {
      const LayerJob& j = jobs[i];
      if (have || j.present || j.dup) return;
      if (!done) {
        layer(short_hex(j.desc.digest), "Extracting", 0, j.desc.size);
      } else {
        layer(short_hex(j.desc.digest), "Pull complete");
        completed[i] = true;
      }
    };
    LoadedImage loaded = impl_.commit(ni, on_layer, std::move(staged));
    // Layers whose extracted form was already here (reached by another chain) need no extraction.
    for (std::size_t i = 0; i < jobs.size() && !have; ++i) {
      if (!completed[i] && !jobs[i].present && !jobs[i].dup) layer(short_hex(jobs[i].desc.digest), "Pull complete");
    }
    message("Writing manifest to image destination");
    message("Storing signatures");
    message("Digest: " + top.digest.str());
    message(std::string(up_to_date ? "Status: Image is up to date for " : "Status: Downloaded newer image for ") +
            named.familiar());
    return loaded.id;
  }

  Impl& impl_;
  const PullOptions& opts_;
  const TransferEmit& emit_;
  const sys::CancelToken& cancel_;
};

void ImageService::pull(const PullOptions& opts, const TransferEmit& emit, const sys::CancelToken& cancel) {
  Reference ref = parse_reference(opts.reference);
  if (opts.all_tags && (!ref.tag.empty() || ref.digest))
    fail(Errc::invalid_argument, "tag can't be used with --all-tags/-a");
  std::shared_ptr<const Image> local;
  if (opts.pull_policy != PullPolicy::always) {
    try {
      local = impl_->resolve(opts.reference, opts.policy).image;
    } catch (const Error& e) {
      if (e.code() != Errc::not_found || opts.pull_policy == PullPolicy::never) throw;
    }
  }
  auto finish = [&](std::vector<std::string> ids, std::string digest) {
    emit(TransferEvent{.kind = TransferEvent::Kind::done, .image_ids = std::move(ids), .digest = std::move(digest)});
  };
  if (local && opts.pull_policy != PullPolicy::newer) return finish({local->id}, local->manifest_digest);
  std::vector<Pulled> pulled;
  try {
    pulled = Impl::Pull(*impl_, opts, emit, cancel).run(ref);
  } catch (const Error&) {
    // "newer" keeps using the local image when the registry cannot be asked (as podman does).
    if (!local || cancel.cancelled()) throw;
    return finish({local->id}, local->manifest_digest);
  }
  std::vector<std::string> ids;
  for (const auto& p : pulled)
    if (std::find(ids.begin(), ids.end(), p.id) == ids.end()) ids.push_back(p.id);
  finish(std::move(ids), pulled.back().digest.str());
}

}  // namespace berth::core::images
