// ImageService removals: docker rmi semantics, prune, and the layer/blob cleanup behind both.
#include <algorithm>

#include "core/error.hpp"
#include "core/images/filter.hpp"
#include "core/images/service.hpp"
#include "core/images/service_impl.hpp"
#include "core/time.hpp"

namespace berth::core::images {

namespace {

std::string short_id(const std::string& id) { return id.substr(0, 12); }

// docker's texts, so both CLIs print what their users know.
[[noreturn]] void in_use(const std::string& id) {
  throw Error(
      Errc::conflict, "image is in use by a container",
      "conflict: unable to delete " + short_id(id) + " (cannot be forced) - image is being used by a container");
}

// docker's isSingleReference: at most one tag, and every name in one repository.
bool single_reference(const std::vector<std::string>& names, const Image& img) {
  if (img.tags.size() > 1) return false;
  std::set<std::string> repos;
  for (const auto& n : names) repos.insert(repository_of_name(n));
  return repos.size() <= 1;
}

}  // namespace

void ImageService::Impl::collect_blobs(const std::set<std::string>& candidates) {
  auto index = images.index();
  std::set<std::string> referenced;
  for (const auto& [id, img] : index->by_id) referenced.merge(blobs_of(*img));
  for (const auto& c : candidates) {
    if (referenced.contains(c) || pins.pinned(c) || !Digest::valid(c)) continue;
    try {
      blobs.remove(Digest::parse(c));
    } catch (const Error&) {
      // A blob that stays is only wasted space; the image is gone either way.
    }
  }
}

void ImageService::Impl::discard_blobs(PinGuard& guard) {
  std::set<std::string> candidates(guard.digests().begin(), guard.digests().end());
  guard.release();
  std::lock_guard lock(write_mutex);
  collect_blobs(candidates);
}

void ImageService::Impl::delete_images(const std::vector<std::shared_ptr<const Image>>& victims,
                                       ImageRemoveReport& report) {
  std::vector<LayerRow> gone;
  std::vector<std::pair<std::string, std::vector<std::string>>> untagged;  // id → names, for the report
  std::vector<Event> done;
  images.mutate([&](ImageDraft& d) {
    done.clear();  // a retried transaction records again
    for (const auto& img : victims) {
      auto names = d.index().names_of.at(img->id);
      for (const auto& n : names) {
        d.remove_name(n);
        record(d.db(), done, "untag", img->id, n);
      }
      untagged.emplace_back(img->id, names);
      d.remove_image(img->id);
      record(d.db(), done, "remove", img->id, names.empty() ? "" : names.front());
    }
    gone = layers.delete_unreferenced(d.db());
  });
  announce(done);
  std::vector<std::uint64_t> dirs;
  for (const auto& l : gone) {
    dirs.push_back(l.dir_id);
    report.reclaimed += l.size;
  }
  layers.remove_dirs(dirs);
  std::set<std::string> candidates;
  for (const auto& img : victims) candidates.merge(blobs_of(*img));
  collect_blobs(candidates);
  for (const auto& [id, names] : untagged) {
    // Digest names are not tags: docker reports them untagged too.
    for (const auto& n : names) report.untagged.push_back(n);
    report.deleted.push_back(id);
  }
}

ImageRemoveReport ImageService::remove(std::string_view name, const RemoveImageOptions& opts) {
  std::lock_guard lock(impl_->write_mutex);
  ResolvedImage r = impl_->resolve(name, opts.policy);
  const auto& img = r.image;
  auto index = impl_->images.index();
  const std::vector<std::string>& names = index->names_of.at(img->id);
  std::size_t used = impl_->usage_of(img->id);
  ImageRemoveReport report;

  if (!r.by_id) {
    // A name: drop that name (a digest reference drops its repository's names); the last one deletes the image.
    std::vector<std::string> drop;
    if (!r.name.empty()) {
      drop.push_back(r.name);
    } else if (r.reference) {
      std::string repo = r.reference->name();
      for (const auto& n : names)
        if (repository_of_name(n) == repo) drop.push_back(n);
    }
    if (drop.size() < names.size() || (used > 0 && opts.force)) {
      std::vector<Event> done;
      impl_->images.mutate([&](ImageDraft& d) {
        for (const auto& n : drop) {
          d.remove_name(n);
          impl_->record(d.db(), done, "untag", img->id, n);
        }
      });
      impl_->announce(done);
      for (const auto& n : drop) report.untagged.push_back(n);
      return report;
    }
    if (used > 0) {
      throw Error(Errc::conflict, "image is in use by a container",
                  "conflict: unable to remove repository reference \"" + std::string(name) +
                      "\" (must force) - container is using its referenced image " + short_id(img->id));
    }
  } else {
    if (used > 0) in_use(img->id);
    if (!opts.force && !single_reference(names, *img)) {
      throw Error(Errc::conflict, "image is referenced in multiple repositories",
                  "conflict: unable to delete " + short_id(img->id) +
                      " (must be forced) - image is referenced in multiple repositories");
    }
  }
  impl_->delete_images({img}, report);
  return report;
}

ImageRemoveReport ImageService::prune(const PruneImagesOptions& opts) {
  Filters filters = opts.filters;
  bool all = opts.all;
  if (auto it = filters.find("dangling"); it != filters.end()) {
    // docker: dangling=false prunes every unused image, as -a does.
    if (!it->second.empty() && !parse_filter_bool("dangling", it->second.back())) all = true;
    filters.erase(it);
  }
  std::lock_guard lock(impl_->write_mutex);
  auto index = impl_->images.index();
  FilterContext ctx{.index = *index,
                    .policy = ShortNamePolicy::docker,
                    .search_registries = impl_->config.registries.unqualified_search,
                    .now_ns = now_ns()};
  ImagePredicate keep = compile_image_filters(filters, prune_filter_keys(), ctx);
  std::vector<std::shared_ptr<const Image>> victims;
  for (const auto& [id, img] : index->by_id) {
    if ((all || img->tags.empty()) && keep(*img) && impl_->usage_of(id) == 0) victims.push_back(img);
  }
  ImageRemoveReport report;
  if (!victims.empty()) impl_->delete_images(victims, report);
  return report;
}

}  // namespace berth::core::images
