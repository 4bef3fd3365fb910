// ImageStore: image rows, names and layer links in SQLite, mirrored by a write-through in-memory index.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/model/image.hpp"
#include "core/store/db.hpp"
#include "core/store/store.hpp"

namespace berth::core::images {

// One immutable snapshot: list/inspect/resolve read it without SQL or JSON parsing.
struct ImageIndex {
  std::map<std::string, std::shared_ptr<const Image>, std::less<>> by_id;  // sorted: prefix lookups use lower_bound
  std::map<std::string, std::string, std::less<>> by_name;  // every stored name (tags, repo@digest) → image id
  std::map<std::string, std::vector<std::string>, std::less<>> names_of;  // image id → stored names, newest first
};

// A copy of the index being edited inside one write transaction: every call writes its rows through `db` and
// updates the copy, which the store publishes only after the commit.
class ImageDraft {
 public:
  ImageDraft(store::Db& db, const ImageIndex& base) : db_(db), index_(base) {}

  store::Db& db() { return db_; }
  const ImageIndex& index() const { return index_; }
  std::shared_ptr<const Image> find(const std::string& id) const;

  // Inserts the image and its layer links (the layer rows must exist). Its tags/digests are ignored: names come
  // through add_name. An existing ID → Errc::conflict.
  void add_image(Image image);
  // Points `name` at image `id`. Returns the image that held it before, if another one did.
  std::optional<std::string> add_name(const std::string& name, const std::string& id, std::int64_t added_ns);
  // Returns false when no image had the name.
  bool remove_name(const std::string& name);
  // Deletes the image row; its names and layer links go with it (ON DELETE CASCADE).
  void remove_image(const std::string& id);

  ImageIndex take() { return std::move(index_); }

 private:
  void refresh(const std::string& id);

  store::Db& db_;
  ImageIndex index_;
};

// Fills image.tags and image.digests from its stored names: names with '@' are digests; every tag's repository
// also gets repo@manifest_digest when the image has a manifest (how podman reports RepoDigests).
void set_names(Image& image, const std::vector<std::string>& names);

class ImageStore {
 public:
  // Loads every image from the DB (parsing each config once).
  explicit ImageStore(store::Store& store);

  std::shared_ptr<const ImageIndex> index() const;

  // Runs edit on a draft inside one write transaction, then publishes the draft. Mutations are serialized, so a
  // draft never loses a concurrent change. If edit throws, nothing is published and the transaction rolls back.
  void mutate(const std::function<void(ImageDraft&)>& edit);

 private:
  void load();

  store::Store& store_;
  std::mutex mutate_mutex_;
  mutable std::shared_mutex index_mutex_;
  std::shared_ptr<const ImageIndex> index_;
};

}  // namespace berth::core::images
