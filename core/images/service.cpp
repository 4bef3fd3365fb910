// ImageService: construction (startup sweep), queries from the index, tag/untag, history and disk usage.
#include "core/images/service.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "core/images/filter.hpp"
#include "core/images/service_impl.hpp"
#include "core/time.hpp"

namespace berth::core::images {

void BlobPins::pin(const std::vector<std::string>& digests) {
  std::lock_guard lock(mutex_);
  for (const auto& d : digests) pins_.insert(d);
}

void BlobPins::unpin(const std::vector<std::string>& digests) {
  std::lock_guard lock(mutex_);
  for (const auto& d : digests) {
    if (auto it = pins_.find(d); it != pins_.end()) pins_.erase(it);
  }
}

bool BlobPins::pinned(const std::string& digest) const {
  std::lock_guard lock(mutex_);
  return pins_.contains(digest);
}

std::set<std::string> blobs_of(const Image& image) {
  std::set<std::string> out{"sha256:" + image.id};
  if (!image.manifest_digest.empty()) out.insert(image.manifest_digest);
  for (const auto& l : image.layers)
    if (!l.blob_digest.empty()) out.insert(l.blob_digest);
  return out;
}

namespace {

// The layer store sweeps before the index loads, so a layer row left by a crash never shows in an image.
BlobStore swept_blobs(const std::string& root) {
  BlobStore blobs(root);
  blobs.sweep_ingest();
  return blobs;
}

LayerStore swept_layers(const std::string& root, store::Store& store) {
  LayerStore layers(root);
  layers.sweep(store);
  return layers;
}

}  // namespace

ImageService::Impl::Impl(const Config& cfg, store::Store& st, events::EventSink& ev)
    : config(cfg),
      store(st),
      events(ev),
      blobs(swept_blobs(st.root())),
      locations(st),
      layers(swept_layers(st.root(), st)),
      images(st) {
  // A crash between spooling an upload and committing its image leaves blobs nothing references: drop them.
  std::set<std::string> stored;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(blobs.root() + "/blobs/sha256", ec))
    stored.insert("sha256:" + e.path().filename().string());
  collect_blobs(stored);
}

ResolvedImage ImageService::Impl::resolve(std::string_view name, ShortNamePolicy policy) const {
  return resolve_image(*images.index(), name, policy, config.registries.unqualified_search);
}

std::size_t ImageService::Impl::usage_of(const std::string& id) const {
  std::lock_guard lock(usage_mutex);
  return usage ? usage(id) : 0;
}

namespace {
Event image_event(const char* action, const std::string& id, const std::string& name) {
  Event e{.type = "image", .action = action, .id = id, .name = name, .time_ns = now_ns()};
  if (!name.empty()) e.attributes["name"] = name;
  return e;
}
}  // namespace

void ImageService::Impl::emit(const char* action, const std::string& id, const std::string& name) const {
  events.publish(image_event(action, id, name));
}

void ImageService::Impl::record(store::Db& db, std::vector<Event>& out, const char* action, const std::string& id,
                                const std::string& name) const {
  out.push_back(image_event(action, id, name));
  events.record(db, out.back());
}

void ImageService::Impl::announce(const std::vector<Event>& committed) const {
  for (const auto& e : committed) events.announce(e);
}

ImageService::ImageService(const Config& config, store::Store& store, events::EventSink& events)
    : impl_(std::make_unique<Impl>(config, store, events)) {}

ImageService::~ImageService() = default;

std::vector<std::shared_ptr<const Image>> ImageService::list(const ListImagesOptions& opts) const {
  auto index = impl_->images.index();
  FilterContext ctx{.index = *index,
                    .policy = opts.policy,
                    .search_registries = impl_->config.registries.unqualified_search,
                    .now_ns = now_ns()};
  ImagePredicate keep = compile_image_filters(opts.filters, list_filter_keys(), ctx);
  std::vector<std::shared_ptr<const Image>> out;
  for (const auto& [id, img] : index->by_id)
    if (keep(*img)) out.push_back(img);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a->created_ns != b->created_ns) return a->created_ns > b->created_ns;
    return a->added_ns > b->added_ns;
  });
  return out;
}

std::shared_ptr<const Image> ImageService::inspect(std::string_view name, ShortNamePolicy policy) const {
  return impl_->resolve(name, policy).image;
}

bool ImageService::exists(std::string_view name, ShortNamePolicy policy) const {
  try {
    impl_->resolve(name, policy);
    return true;
  } catch (const Error& e) {
    if (e.code() == Errc::not_found || e.code() == Errc::invalid_argument) return false;
    throw;
  }
}

std::vector<ImageHistoryItem> ImageService::history(std::string_view name, ShortNamePolicy policy) const {
  auto img = impl_->resolve(name, policy).image;
  std::vector<ImageHistoryItem> items;
  std::size_t layer = 0;
  if (img->history.empty()) {
    // A config without history (some hand-made images): one row per layer, as podman shows them.
    for (const auto& l : img->layers) items.push_back({.created_ns = img->created_ns, .size = l.size});
  }
  for (const auto& h : img->history) {
    ImageHistoryItem item{.created_ns = h.created_ns, .created_by = h.created_by, .comment = h.comment};
    if (!h.empty_layer && layer < img->layers.size()) item.size = img->layers[layer++].size;
    items.push_back(std::move(item));
  }
  std::reverse(items.begin(), items.end());  // newest first
  if (!items.empty()) {
    items.front().id = img->id;
    items.front().tags = img->tags;
  }
  return items;
}

void ImageService::tag(std::string_view name, std::string_view repo, std::string_view tag, ShortNamePolicy policy) {
  if (repo.empty()) fail(Errc::invalid_argument, "repository name must have at least one component");
  std::string text(repo);
  if (!tag.empty()) text += ":" + std::string(tag);
  std::string full = normalize_new_name(text, policy);
  std::lock_guard lock(impl_->write_mutex);
  auto img = impl_->resolve(name, policy).image;
  std::vector<Event> done;
  impl_->images.mutate([&](ImageDraft& d) {
    d.add_name(full, img->id, now_ns());
    impl_->record(d.db(), done, "tag", img->id, full);
  });
  impl_->announce(done);
}

void ImageService::untag(std::string_view name, std::string_view repo, std::string_view tag, ShortNamePolicy policy) {
  std::lock_guard lock(impl_->write_mutex);
  auto img = impl_->resolve(name, policy).image;
  auto index = impl_->images.index();
  const auto& held = index->names_of.at(img->id);
  std::vector<std::string> drop;
  if (repo.empty()) {
    drop = held;
  } else {
    std::string text(repo);
    if (!tag.empty()) text += ":" + std::string(tag);
    Reference ref = parse_reference(text);
    for (const auto& n : lookup_names(ref, policy, impl_->config.registries.unqualified_search)) {
      if (std::find(held.begin(), held.end(), n) != held.end()) {
        drop.push_back(n);
        break;
      }
    }
    if (drop.empty() && policy == ShortNamePolicy::podman && ref.is_short_name()) {
      std::string suffix = "/" + ref.path + ":" + (ref.tag.empty() ? "latest" : ref.tag);
      for (const auto& n : held)
        if (n.ends_with(suffix)) drop.push_back(n);
      if (drop.size() > 1) drop.clear();  // ambiguous: say not known rather than guess
    }
    if (drop.empty()) fail(Errc::not_found, "tag not known", text);
  }
  std::vector<Event> done;
  impl_->images.mutate([&](ImageDraft& d) {
    for (const auto& n : drop) {
      d.remove_name(n);
      impl_->record(d.db(), done, "untag", img->id, n);
    }
  });
  impl_->announce(done);
}

ImageDiskUsage ImageService::disk_usage() const {
  auto index = impl_->images.index();
  std::map<std::string, std::uint64_t> all, used;
  ImageDiskUsage du;
  for (const auto& [id, img] : index->by_id) {
    bool in_use = impl_->usage_of(id) > 0;
    if (in_use) ++du.active;
    for (const auto& l : img->layers) {
      all[l.chain_id] = l.size;
      if (in_use) used[l.chain_id] = l.size;
    }
  }
  for (const auto& [c, s] : all) du.total_size += s;
  std::uint64_t used_size = 0;
  for (const auto& [c, s] : used) used_size += s;
  du.reclaimable = du.total_size - used_size;
  return du;
}

std::size_t ImageService::count() const { return impl_->images.index()->by_id.size(); }

std::vector<std::string> ImageService::layer_dirs(const Image& image) const {
  std::vector<std::string> out;
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it)
    out.push_back(impl_->layers.diff_path(it->dir_id));
  return out;
}

void ImageService::set_usage_provider(UsageProvider provider) {
  std::lock_guard lock(impl_->usage_mutex);
  impl_->usage = std::move(provider);
}

}  // namespace berth::core::images
