// ImageService writes that add images: the shared commit path, import, load, and save (which reads them out).
#include <algorithm>
#include <optional>

#include "core/error.hpp"
#include "core/images/archive_io.hpp"
#include "core/images/image_config.hpp"
#include "core/images/import_stream.hpp"
#include "core/images/service.hpp"
#include "core/images/service_impl.hpp"
#include "core/time.hpp"

namespace berth::core::images {

namespace {

constexpr const char* kPlainLayer = "application/vnd.oci.image.layer.v1.tar";

std::vector<std::string> digest_strings(const std::vector<Digest>& digests) {
  std::vector<std::string> out;
  out.reserve(digests.size());
  for (const auto& d : digests) out.push_back(d.str());
  return out;
}

// A needed layer row went away between the check and the commit (a concurrent removal): stage it and try again.
struct LayerVanished {};

}  // namespace

LoadedImage ImageService::Impl::commit(const NewImage& in, const std::function<void(std::size_t, bool)>& on_layer,
                                       std::vector<std::optional<StagedLayer>> prestaged) {
  std::string id = Sha256::of(in.config_json).hex();
  std::vector<std::string> diff_ids;
  for (const auto& l : in.layers) diff_ids.push_back(l.diff_id);
  std::vector<std::string> chains = chain_ids(diff_ids);
  ImageConfigFacts facts = parse_image_config(in.config_json);

  std::vector<std::optional<StagedLayer>> staged = std::move(prestaged);
  staged.resize(in.layers.size());
  bool synced = false;
  for (int attempt = 0;; ++attempt) {
    bool known = images.index()->by_id.contains(id);
    if (!known) {
      std::vector<bool> have = store.read([&](store::Db& db) {
        std::vector<bool> out;
        for (const auto& c : chains) out.push_back(layers.find(db, c).has_value());
        return out;
      });
      for (std::size_t i = 0; i < chains.size(); ++i) {
        if (have[i] || staged[i]) continue;
        sys::Fd fd = blobs.open(Digest::parse(in.layers[i].blob_digest));
        if (on_layer) on_layer(i, false);
        try {
          staged[i].emplace(layers.stage(fd.get()));
        } catch (const Error& e) {
          throw e.wrap("layer " + in.layers[i].diff_id);
        }
        if (on_layer) on_layer(i, true);
        synced = false;
      }
    }
    if (!synced && std::any_of(staged.begin(), staged.end(), [](const auto& s) { return s.has_value(); })) {
      layers.sync();
      synced = true;
    }
    std::lock_guard lock(write_mutex);
    std::vector<std::uint64_t> fresh;
    std::vector<std::string> moved_from;
    std::vector<Event> done;
    try {
      images.mutate([&](ImageDraft& d) {
        done.clear();
        if (!d.find(id)) {
          Image img;
          img.id = id;
          img.config_json = in.config_json;
          apply_config_facts(facts, img);
          img.manifest_digest = in.manifest_digest;
          img.manifest_media_type = in.manifest_media_type;
          img.added_ns = now_ns();
          for (std::size_t i = 0; i < chains.size(); ++i) {
            const auto& l = in.layers[i];
            std::string parent = i == 0 ? "" : chains[i - 1];
            LayerRow row;
            if (staged[i]) {
              row = layers.commit(d.db(), *staged[i], chains[i], l.diff_id, parent, l.blob_digest, fresh);
            } else if (auto found = layers.find(d.db(), chains[i])) {
              row = *found;
            } else {
              throw LayerVanished{};
            }
            img.layers.push_back(ImageLayer{.diff_id = l.diff_id,
                                            .chain_id = chains[i],
                                            .blob_digest = l.blob_digest,
                                            .blob_media_type = l.media_type,
                                            .size = row.size,
                                            .blob_size = l.blob_size,
                                            .dir_id = row.dir_id});
            img.size += row.size;
          }
          d.add_image(std::move(img));
        }
        std::int64_t now = now_ns();
        for (const auto& n : in.names) {
          if (auto prev = d.add_name(n, id, now)) moved_from.push_back(*prev);
        }
        if (!in.event.empty()) record(d.db(), done, in.event.c_str(), id, in.event_name);
      });
    } catch (const LayerVanished&) {
      layers.remove_dirs(fresh);
      if (attempt < 3) continue;
      fail(Errc::unavailable, "layers of the image were removed while it was being committed; try again", id);
    } catch (...) {
      layers.remove_dirs(fresh);
      throw;
    }
    announce(done);
    return LoadedImage{.id = id, .names = in.names};
  }
}

LoadedImage ImageService::import(int fd, const ImportOptions& opts) {
  // Check the cheap things before reading a possibly large stream.
  std::vector<std::string> names;
  if (!opts.reference.empty()) names.push_back(normalize_new_name(opts.reference, opts.policy));
  {
    ImageRunConfig probe;
    apply_changes(opts.changes, probe);
  }
  IngestedLayer layer = ingest_uncompressed(fd, impl_->blobs);
  std::string diff_id = layer.digest.str();
  std::string config_json = build_import_config({.architecture = opts.architecture,
                                                 .os = opts.os,
                                                 .variant = opts.variant,
                                                 .message = opts.message,
                                                 .changes = opts.changes,
                                                 .diff_id = diff_id,
                                                 .created_ns = now_ns()});
  PinGuard pin(impl_->pins, {diff_id});
  Digest config = impl_->blobs.put(config_json);
  PinGuard pin_config(impl_->pins, {config.str()});
  auto discard = [&] {
    impl_->discard_blobs(pin_config);
    impl_->discard_blobs(pin);
  };
  NewImage image{.config_json = config_json,
                 .layers = {NewLayer{
                     .diff_id = diff_id, .blob_digest = diff_id, .media_type = kPlainLayer, .blob_size = layer.size}},
                 .names = names,
                 .event = "import",
                 .event_name = names.empty() ? "" : names.front()};
  LoadedImage loaded;
  try {
    loaded = impl_->commit(image);
  } catch (...) {
    discard();
    throw;
  }
  return loaded;
}

std::vector<LoadedImage> ImageService::load(int fd, const LoadProgress& progress) {
  // Everything the archive spooled stays pinned until its images are committed; then whatever no image references
  // (manifest.json, stray members, everything after a failure) is removed.
  std::vector<Digest> spooled;
  std::vector<ArchivedImage> archived;
  try {
    archived = read_image_archive(fd, impl_->blobs, &spooled);
  } catch (...) {
    PinGuard pin(impl_->pins, digest_strings(spooled));
    impl_->discard_blobs(pin);
    throw;
  }
  std::vector<NewImage> todo;
  std::vector<std::string> keep = digest_strings(spooled);
  for (const auto& a : archived) {
    NewImage image{.config_json = a.config_json};
    for (const auto& l : a.layers) {
      image.layers.push_back(NewLayer{.diff_id = l.diff_id.str(),
                                      .blob_digest = l.blob.str(),
                                      .media_type = l.media_type,
                                      .blob_size = l.blob_size});
      keep.push_back(l.blob.str());
    }
    keep.push_back(a.config.str());
    if (!a.manifest_json.empty()) {
      image.manifest_digest = impl_->blobs.put(a.manifest_json).str();
      image.manifest_media_type = a.manifest_media_type;
      keep.push_back(image.manifest_digest);
    }
    for (const auto& n : a.names) {
      // Archive names follow docker's rules (RepoTags "busybox:latest" mean docker.io/library/busybox).
      try {
        std::string full = normalize_new_name(n, ShortNamePolicy::docker);
        if (std::find(image.names.begin(), image.names.end(), full) == image.names.end()) image.names.push_back(full);
      } catch (const Error&) {
        // An OCI ref name that is only a tag, or holds a digest, names nothing we can store.
      }
    }
    image.event = "load";
    image.event_name = image.names.empty() ? "" : image.names.front();
    todo.push_back(std::move(image));
  }
  // Every blob of the archive stays pinned until its image is committed; a failure drops the ones no image uses.
  PinGuard pin(impl_->pins, keep);
  std::vector<LoadedImage> out;
  for (const auto& image : todo) {
    LoadedImage loaded;
    try {
      loaded = impl_->commit(image);
    } catch (...) {
      impl_->discard_blobs(pin);
      throw;
    }
    if (progress) progress(loaded);
    out.push_back(std::move(loaded));
  }
  impl_->discard_blobs(pin);
  return out;
}

void ImageService::save(const std::vector<std::string>& names, const SaveOptions& opts, int out_fd) {
  if (names.empty()) fail(Errc::invalid_argument, "no image names given");
  std::vector<std::shared_ptr<const Image>> held;
  std::vector<ImageToSave> todo;
  for (const auto& n : names) {
    ResolvedImage r = impl_->resolve(n, opts.policy);
    auto it = std::find_if(todo.begin(), todo.end(), [&](const ImageToSave& s) { return s.image->id == r.image->id; });
    if (it == todo.end()) {
      held.push_back(r.image);
      todo.push_back(ImageToSave{.image = r.image.get()});
      it = todo.end() - 1;
    }
    if (!r.name.empty() && std::find(it->names.begin(), it->names.end(), r.name) == it->names.end()) {
      it->names.push_back(r.name);
    }
  }
  std::vector<std::string> keep;
  for (const auto& img : held)
    for (const auto& b : blobs_of(*img)) keep.push_back(b);
  PinGuard pin(impl_->pins, keep);
  write_image_archive(todo, opts.format, opts.compress, impl_->blobs, out_fd);
  for (const auto& s : todo) impl_->emit("save", s.image->id, s.names.empty() ? "" : s.names.front());
}

}  // namespace berth::core::images
