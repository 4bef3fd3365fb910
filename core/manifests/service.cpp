// ManifestService: lists in the manifest_lists table, instances built from local images (or registry manifests).
#include "core/manifests/service.hpp"

#include <algorithm>
#include <random>

#include "core/error.hpp"
#include "core/images/digest.hpp"
#include "core/images/resolve.hpp"
#include "core/manifests/remote.hpp"
#include "core/time.hpp"

namespace berth::core::manifests {

namespace {

using images::ShortNamePolicy;

// podman's IDs of lists are image IDs: random here, as a list has no config to hash.
std::string new_id(std::string_view name) {
  std::random_device rd;
  return images::Sha256::of(std::string(name) + std::to_string(now_ns()) + std::to_string(rd()) + std::to_string(rd()))
      .hex();
}

std::string strip_prefix(std::string_view text, std::string_view prefix) {
  if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  return std::string(text);
}

// Overrides from the request win over what the image says.
void apply(ListEntry& e, const AddOptions& opts) {
  if (!opts.os.empty()) e.os = opts.os;
  if (!opts.architecture.empty()) e.architecture = opts.architecture;
  if (!opts.variant.empty()) e.variant = opts.variant;
  if (!opts.os_version.empty()) e.os_version = opts.os_version;
  if (!opts.os_features.empty()) e.os_features = opts.os_features;
  if (!opts.features.empty()) e.features = opts.features;
  for (const auto& a : opts.annotations) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) fail(Errc::invalid_argument, "no value given for annotation \"" + a + "\"");
    e.annotations[a.substr(0, eq)] = a.substr(eq + 1);
  }
}

std::vector<ListEntry>::iterator find_entry(ManifestList& list, std::string_view digest) {
  if (!images::Digest::valid(digest)) fail(Errc::invalid_argument, "invalid digest \"" + std::string(digest) + "\"");
  auto it =
      std::find_if(list.entries.begin(), list.entries.end(), [&](const ListEntry& e) { return e.digest == digest; });
  if (it == list.entries.end())
    fail(Errc::not_found, "no instance with digest " + std::string(digest) + " in manifest list " + list.name);
  return it;
}

}  // namespace

ManifestService::ManifestService(const Config& config, store::Store& store, images::ImageService& images)
    : config_(config), store_(store), images_(images) {}

std::optional<ManifestList> ManifestService::find(std::string_view name) const {
  std::string text = strip_prefix(name, "sha256:");
  std::string full;
  try {
    full = images::normalize_new_name(name, ShortNamePolicy::podman);
  } catch (const Error&) {
    // Not a name (an ID prefix, a digest): only the ID lookup applies.
  }
  bool id_like = text.size() >= 3 && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
                   return std::isxdigit(static_cast<unsigned char>(c));
                 });
  return store_.read([&](store::Db& db) -> std::optional<ManifestList> {
    auto st = db.prepare(
        "SELECT id, name, created, entries_json FROM manifest_lists WHERE name = ?1 OR name = ?2 OR (?3 AND id LIKE "
        "?4 || '%') ORDER BY name = ?1 OR name = ?2 DESC LIMIT 2");
    st->bind_text(1, full).bind_text(2, std::string(name)).bind_int64(3, id_like ? 1 : 0).bind_text(4, text);
    std::vector<ManifestList> found;
    while (st->step())
      found.push_back(ManifestList{.id = st->column_text(0),
                                   .name = st->column_text(1),
                                   .created_ns = st->column_int64(2),
                                   .entries = entries_from_json(st->column_text(3))});
    if (found.empty()) return std::nullopt;
    bool by_name = found[0].name == full || found[0].name == name;
    if (!by_name && found.size() > 1) fail(Errc::invalid_argument, "short ID " + text + " is ambiguous");
    return found[0];
  });
}

ManifestList ManifestService::get(std::string_view name) const {
  auto list = find(name);
  if (!list) fail(Errc::not_found, std::string(name) + ": image not known");
  return *list;
}

bool ManifestService::exists(std::string_view name) const { return find(name).has_value(); }

std::string ManifestService::inspect(std::string_view name) const {
  return list_document(get(name), ListFormat::docker, true);
}

void ManifestService::save(const ManifestList& list) {
  store_.write([&](store::Db& db) {
    db.prepare(
          "INSERT INTO manifest_lists(id, name, created, entries_json) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(id) DO "
          "UPDATE SET entries_json = ?4")
        ->bind_text(1, list.id)
        .bind_text(2, list.name)
        .bind_int64(3, list.created_ns)
        .bind_text(4, entries_to_json(list.entries))
        .run();
  });
}

std::vector<ListEntry> ManifestService::entries_for(const std::string& ref, const AddOptions& opts) const {
  std::vector<ListEntry> out;
  std::string local = strip_prefix(ref, "containers-storage:");
  bool registry_only = ref.starts_with("docker://");
  if (!registry_only && images_.exists(local, ShortNamePolicy::podman)) {
    // The digest a push of this image will have: a docker schema2 manifest, as the list is a docker list.
    auto m = images_.push_manifest(local, "", ShortNamePolicy::podman);
    out.push_back(ListEntry{.digest = m.digest,
                            .media_type = m.media_type,
                            .size = m.size,
                            .os = m.os,
                            .architecture = m.architecture,
                            .variant = m.variant,
                            .image_id = m.image_id});
  } else if (ref.starts_with("containers-storage:")) {
    fail(Errc::not_found, local + ": image not known");
  } else {
    out = registry_entries(config_, strip_prefix(ref, "docker://"), opts);
  }
  for (auto& e : out) apply(e, opts);
  return out;
}

std::string ManifestService::create(std::string_view name, const std::vector<std::string>& refs,
                                    const CreateOptions& opts) {
  std::string full = images::normalize_new_name(name, ShortNamePolicy::podman);
  std::lock_guard lock(mutex_);
  ManifestList list;
  if (auto existing = find(full)) {
    if (!opts.amend) fail(Errc::conflict, full + ": a manifest list of that name already exists");
    list = *existing;
  } else {
    list = ManifestList{.id = new_id(full), .name = full, .created_ns = now_ns()};
  }
  AddOptions add{.all = opts.all};
  for (const auto& ref : refs) {
    for (auto& e : entries_for(ref, add)) {
      std::erase_if(list.entries, [&](const ListEntry& x) { return x.digest == e.digest; });
      list.entries.push_back(std::move(e));
    }
  }
  save(list);
  return list.id;
}

std::string ManifestService::add(std::string_view name, const std::vector<std::string>& refs, const AddOptions& opts) {
  std::lock_guard lock(mutex_);
  ManifestList list = get(name);
  if (refs.empty()) fail(Errc::invalid_argument, "no images to add to manifest list " + list.name);
  for (const auto& ref : refs) {
    // An instance already in the list is replaced, as buildah's AddInstance does.
    for (auto& e : entries_for(ref, opts)) {
      std::erase_if(list.entries, [&](const ListEntry& x) { return x.digest == e.digest; });
      list.entries.push_back(std::move(e));
    }
  }
  save(list);
  return list.id;
}

std::string ManifestService::annotate(std::string_view name, std::string_view digest, const AddOptions& opts) {
  std::lock_guard lock(mutex_);
  ManifestList list = get(name);
  apply(*find_entry(list, digest), opts);
  save(list);
  return list.id;
}

std::string ManifestService::remove(std::string_view name, std::string_view digest) {
  std::lock_guard lock(mutex_);
  ManifestList list = get(name);
  list.entries.erase(find_entry(list, digest));
  save(list);
  return list.id;
}

DeleteReport ManifestService::remove_list(std::string_view name) {
  std::lock_guard lock(mutex_);
  ManifestList list = get(name);
  store_.write(
      [&](store::Db& db) { db.prepare("DELETE FROM manifest_lists WHERE id = ?1")->bind_text(1, list.id).run(); });
  return DeleteReport{.deleted = {list.id}, .untagged = {list.name}};
}

}  // namespace berth::core::manifests
