// ImageStore: SQL for images, image_names and image_layers; index snapshots swapped after each commit.
#include "core/images/image_store.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/images/image_config.hpp"

namespace berth::core::images {

namespace {

// "docker.io/library/busybox:latest" → "docker.io/library/busybox" (a port's colon comes before the last '/').
std::string repository_of(const std::string& tag) {
  auto slash = tag.rfind('/');
  auto colon = tag.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return tag;
  return tag.substr(0, colon);
}

}  // namespace

void set_names(Image& image, const std::vector<std::string>& names) {
  image.tags.clear();
  image.digests.clear();
  for (const auto& n : names) {
    if (n.find('@') != std::string::npos) {
      image.digests.push_back(n);
    } else {
      image.tags.push_back(n);
      if (!image.manifest_digest.empty()) image.digests.push_back(repository_of(n) + "@" + image.manifest_digest);
    }
  }
  std::sort(image.digests.begin(), image.digests.end());
  image.digests.erase(std::unique(image.digests.begin(), image.digests.end()), image.digests.end());
}

std::shared_ptr<const Image> ImageDraft::find(const std::string& id) const {
  auto it = index_.by_id.find(id);
  return it == index_.by_id.end() ? nullptr : it->second;
}

void ImageDraft::refresh(const std::string& id) {
  auto it = index_.by_id.find(id);
  if (it == index_.by_id.end()) return;
  auto copy = std::make_shared<Image>(*it->second);
  set_names(*copy, index_.names_of[id]);
  it->second = std::move(copy);
}

void ImageDraft::add_image(Image image) {
  if (index_.by_id.contains(image.id)) fail(Errc::conflict, "image already exists", image.id);
  auto st = db_.prepare(
      "INSERT INTO images(id, manifest_digest, manifest_media_type, created, added, size, config_json) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  st->bind_text(1, image.id)
      .bind_text(2, image.manifest_digest)
      .bind_text(3, image.manifest_media_type)
      .bind_int64(4, image.created_ns)
      .bind_int64(5, image.added_ns)
      .bind_int64(6, static_cast<std::int64_t>(image.size))
      .bind_text(7, image.config_json)
      .run();
  auto link = db_.prepare(
      "INSERT INTO image_layers(image_id, position, chain_id, blob_digest, blob_media_type, blob_size) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    const auto& l = image.layers[i];
    link->bind_text(1, image.id)
        .bind_int64(2, static_cast<std::int64_t>(i))
        .bind_text(3, l.chain_id)
        .bind_text(4, l.blob_digest)
        .bind_text(5, l.blob_media_type)
        .bind_int64(6, static_cast<std::int64_t>(l.blob_size))
        .run();
    link->reset();
  }
  image.tags.clear();
  image.digests.clear();
  set_names(image, {});
  index_.names_of[image.id];
  std::string id = image.id;
  index_.by_id[id] = std::make_shared<const Image>(std::move(image));
}

std::optional<std::string> ImageDraft::add_name(const std::string& name, const std::string& id, std::int64_t added_ns) {
  if (!index_.by_id.contains(id)) fail(Errc::not_found, "image not known", id);
  std::optional<std::string> previous;
  if (auto it = index_.by_name.find(name); it != index_.by_name.end()) {
    if (it->second != id) previous = it->second;
  }
  auto st = db_.prepare(
      "INSERT INTO image_names(name, image_id, added) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(name) DO UPDATE SET image_id = ?2, added = ?3");
  st->bind_text(1, name).bind_text(2, id).bind_int64(3, added_ns).run();
  if (previous) {
    auto& old = index_.names_of[*previous];
    old.erase(std::remove(old.begin(), old.end(), name), old.end());
    refresh(*previous);
  }
  auto& names = index_.names_of[id];
  names.erase(std::remove(names.begin(), names.end(), name), names.end());
  names.insert(names.begin(), name);  // newest first
  index_.by_name[name] = id;
  refresh(id);
  return previous;
}

bool ImageDraft::remove_name(const std::string& name) {
  auto it = index_.by_name.find(name);
  if (it == index_.by_name.end()) return false;
  std::string id = it->second;
  auto st = db_.prepare("DELETE FROM image_names WHERE name = ?1");
  st->bind_text(1, name).run();
  index_.by_name.erase(it);
  auto& names = index_.names_of[id];
  names.erase(std::remove(names.begin(), names.end(), name), names.end());
  refresh(id);
  return true;
}

void ImageDraft::remove_image(const std::string& id) {
  auto st = db_.prepare("DELETE FROM images WHERE id = ?1");
  st->bind_text(1, id).run();
  for (const auto& n : index_.names_of[id]) index_.by_name.erase(n);
  index_.names_of.erase(id);
  index_.by_id.erase(id);
}

ImageStore::ImageStore(store::Store& store) : store_(store) { load(); }

std::shared_ptr<const ImageIndex> ImageStore::index() const {
  std::shared_lock lock(index_mutex_);
  return index_;
}

void ImageStore::mutate(const std::function<void(ImageDraft&)>& edit) {
  std::lock_guard serial(mutate_mutex_);
  auto base = index();
  std::optional<ImageIndex> next;
  store_.write([&](store::Db& db) {
    ImageDraft draft(db, *base);
    edit(draft);
    next = draft.take();
  });
  auto published = std::make_shared<const ImageIndex>(std::move(*next));
  std::unique_lock lock(index_mutex_);
  index_ = std::move(published);
}

void ImageStore::load() {
  ImageIndex index;
  store_.read([&](store::Db& db) {
    std::map<std::string, Image> images;
    {
      auto st =
          db.prepare("SELECT id, manifest_digest, manifest_media_type, created, added, size, config_json FROM images");
      while (st->step()) {
        Image img;
        img.id = st->column_text(0);
        img.config_json = st->column_text(6);
        try {
          apply_config_facts(parse_image_config(img.config_json), img);
        } catch (const Error&) {
          // A config we accepted once stays listable even if a later parser disagrees with it.
        }
        img.manifest_digest = st->column_text(1);
        img.manifest_media_type = st->column_text(2);
        img.created_ns = st->column_int64(3);
        img.added_ns = st->column_int64(4);
        img.size = static_cast<std::uint64_t>(st->column_int64(5));
        images.emplace(img.id, std::move(img));
      }
    }
    {
      auto st = db.prepare(
          "SELECT il.image_id, il.chain_id, l.diff_id, l.dir_id, l.size, il.blob_digest, il.blob_media_type, "
          "il.blob_size FROM image_layers il JOIN layers l ON l.chain_id = il.chain_id "
          "ORDER BY il.image_id, il.position");
      while (st->step()) {
        auto it = images.find(st->column_text(0));
        if (it == images.end()) continue;
        it->second.layers.push_back(ImageLayer{.diff_id = st->column_text(2),
                                               .chain_id = st->column_text(1),
                                               .blob_digest = st->column_text(5),
                                               .blob_media_type = st->column_text(6),
                                               .size = static_cast<std::uint64_t>(st->column_int64(4)),
                                               .blob_size = static_cast<std::uint64_t>(st->column_int64(7)),
                                               .dir_id = static_cast<std::uint64_t>(st->column_int64(3))});
      }
    }
    {
      auto st = db.prepare("SELECT name, image_id FROM image_names ORDER BY added DESC, rowid DESC");
      while (st->step()) {
        std::string name = st->column_text(0), id = st->column_text(1);
        index.by_name[name] = id;
        index.names_of[id].push_back(name);
      }
    }
    for (auto& [id, img] : images) {
      set_names(img, index.names_of[id]);
      index.by_id.emplace(id, std::make_shared<const Image>(std::move(img)));
    }
  });
  std::unique_lock lock(index_mutex_);
  index_ = std::make_shared<const ImageIndex>(std::move(index));
}

}  // namespace berth::core::images
