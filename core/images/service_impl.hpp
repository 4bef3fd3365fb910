// ImageService's private state and helpers, shared by service*.cpp (not for use outside core/images).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/images/blob_locations.hpp"
#include "core/images/blob_store.hpp"
#include "core/images/image_store.hpp"
#include "core/images/layer_store.hpp"
#include "core/images/resolve.hpp"
#include "core/images/service.hpp"

namespace berth::core::images {

// One layer of an image about to be committed: its blob is already in the blob store.
struct NewLayer {
  std::string diff_id;
  std::string blob_digest;
  std::string media_type;
  std::uint64_t blob_size = 0;
};

struct NewImage {
  std::string config_json;  // its sha256 hex is the image ID
  std::string manifest_digest;
  std::string manifest_media_type;
  std::vector<NewLayer> layers;
  std::vector<std::string> names;  // full normalised names to point at it
  // The event the commit reports ("import", "load", "pull"; none when empty) with this name attribute: journaled in
  // the commit's transaction and announced after it.
  std::string event;
  std::string event_name;
};

// Blobs an operation still needs (an image being loaded or saved): blob GC leaves them alone.
class BlobPins {
 public:
  void pin(const std::vector<std::string>& digests);
  void unpin(const std::vector<std::string>& digests);
  bool pinned(const std::string& digest) const;

 private:
  mutable std::mutex mutex_;
  std::multiset<std::string> pins_;
};

// Unpins on scope exit.
class PinGuard {
 public:
  const std::vector<std::string>& digests() const { return digests_; }
  PinGuard(BlobPins& pins, std::vector<std::string> digests) : pins_(pins), digests_(std::move(digests)) {
    pins_.pin(digests_);
  }
  ~PinGuard() { release(); }
  void release() {
    pins_.unpin(digests_);
    digests_.clear();
  }
  PinGuard(const PinGuard&) = delete;
  PinGuard& operator=(const PinGuard&) = delete;

 private:
  BlobPins& pins_;
  std::vector<std::string> digests_;
};

struct ImageService::Impl {
  Impl(const Config& config, store::Store& store, events::EventSink& events);

  ResolvedImage resolve(std::string_view name, ShortNamePolicy policy) const;
  std::size_t usage_of(const std::string& id) const;
  void emit(const char* action, const std::string& id, const std::string& name) const;
  // For a change made in a mutate(): journals the event in that transaction (DESIGN §7) and keeps it in `out` for
  // announce() once the mutate has committed.
  void record(store::Db& db, std::vector<Event>& out, const char* action, const std::string& id,
              const std::string& name) const;
  void announce(const std::vector<Event>& committed) const;

  // Extracts the layers the store lacks, then commits the image (or, when its ID exists, only the names) in one
  // transaction. Names held by other images move. Returns the ID and the names given.
  // `on_layer(i, false)` runs before layer i is extracted and `on_layer(i, true)` after (pull's "Extracting" and
  // "Pull complete"); layers the store already has are not reported, nor those `prestaged` holds (layers the
  // caller extracted already, indexed like image.layers; the commit syncs and uses them).
  LoadedImage commit(const NewImage& image, const std::function<void(std::size_t, bool)>& on_layer = {},
                     std::vector<std::optional<StagedLayer>> prestaged = {});

  // Deletes images (and their names) in one transaction, then their unused layer dirs and blobs. Events: untag
  // per name, then remove per image. Fills report.
  void delete_images(const std::vector<std::shared_ptr<const Image>>& victims, ImageRemoveReport& report);
  // Removes blobs of `candidates` that no image in the current index references and nothing has pinned.
  void collect_blobs(const std::set<std::string>& candidates);
  // After a failed import/load: unpins and removes the blobs it wrote that no image references.
  void discard_blobs(PinGuard& pins);

  // One pull request's state and steps (pull.cpp).
  class Pull;

  const Config& config;
  store::Store& store;
  events::EventSink& events;
  BlobStore blobs;
  BlobLocations locations;
  LayerStore layers;
  ImageStore images;
  BlobPins pins;
  // Serializes commits and deletions with the blob GC that follows them.
  std::mutex write_mutex;
  mutable std::mutex usage_mutex;
  UsageProvider usage;
};

// The blobs an image references: config, manifest, layer blobs.
std::set<std::string> blobs_of(const Image& image);

}  // namespace berth::core::images
