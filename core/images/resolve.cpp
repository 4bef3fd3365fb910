// resolve_image and name normalisation for both API trees.
#include "core/images/resolve.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "core/images/digest.hpp"

namespace berth::core::images {

namespace {

// Each tree's own words, which its CLI prints as they are: docker "No such image: x", podman "x: image not known".
[[noreturn]] void not_known(std::string_view text, ShortNamePolicy policy) {
  if (policy == ShortNamePolicy::docker) fail(Errc::not_found, "No such image: " + std::string(text));
  fail(Errc::not_found, "image not known", text);
}

std::optional<ResolvedImage> by_prefix(const ImageIndex& index, std::string_view prefix) {
  auto it = index.by_id.lower_bound(prefix);
  if (it == index.by_id.end() || !it->first.starts_with(prefix)) return std::nullopt;
  auto next = std::next(it);
  if (next != index.by_id.end() && next->first.starts_with(prefix)) {
    fail(Errc::invalid_argument, "multiple IDs found with provided prefix: " + std::string(prefix));
  }
  return ResolvedImage{.image = it->second, .by_id = true};
}

std::shared_ptr<const Image> image_of(const ImageIndex& index, const std::string& id) {
  auto it = index.by_id.find(id);
  return it == index.by_id.end() ? nullptr : it->second;
}

// repo@digest: a stored digest name, else an image whose manifest has that digest and that is tagged in repo.
std::shared_ptr<const Image> by_digest(const ImageIndex& index, const std::string& repo, const Digest& digest) {
  std::string wanted = repo + "@" + digest.str();
  if (auto it = index.by_name.find(wanted); it != index.by_name.end()) return image_of(index, it->second);
  for (const auto& [id, img] : index.by_id) {
    if (std::find(img->digests.begin(), img->digests.end(), wanted) != img->digests.end()) return img;
  }
  return nullptr;
}

// libimage's last resort: "busybox" finds quay.io/x/busybox:latest when exactly one image has such a tag.
std::optional<ResolvedImage> by_suffix(const ImageIndex& index, const Reference& ref) {
  std::string suffix = "/" + ref.path + ":" + (ref.tag.empty() ? "latest" : ref.tag);
  std::optional<ResolvedImage> found;
  for (const auto& [name, id] : index.by_name) {
    if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
    if (found && found->image->id != id) return std::nullopt;  // ambiguous: not a unique match
    if (!found) found = ResolvedImage{.image = image_of(index, id), .name = name};
  }
  return found;
}

std::optional<ResolvedImage> by_reference(const ImageIndex& index, const Reference& ref, ShortNamePolicy policy,
                                          const std::vector<std::string>& registries) {
  std::vector<Reference> refs;
  if (policy == ShortNamePolicy::podman && ref.is_short_name()) {
    refs = candidates(ref, registries);
  } else {
    refs.push_back(ref.normalized());
  }
  for (const auto& r : refs) {
    if (r.digest) {
      if (auto img = by_digest(index, r.name(), *r.digest)) return ResolvedImage{.image = img, .reference = r};
      continue;
    }
    std::string name = r.str();
    if (auto it = index.by_name.find(name); it != index.by_name.end()) {
      if (auto img = image_of(index, it->second)) return ResolvedImage{.image = img, .name = name, .reference = r};
    }
  }
  if (policy == ShortNamePolicy::podman && ref.is_short_name() && !ref.digest) {
    if (auto found = by_suffix(index, ref)) {
      found->reference = ref.normalized();
      return found;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string repository_of_name(std::string_view name) {
  if (auto at = name.find('@'); at != std::string_view::npos) name = name.substr(0, at);
  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    name = name.substr(0, colon);
  }
  return std::string(name);
}

std::vector<std::string> lookup_names(const Reference& ref, ShortNamePolicy policy,
                                      const std::vector<std::string>& search_registries) {
  std::vector<std::string> out;
  if (policy == ShortNamePolicy::podman && ref.is_short_name()) {
    for (auto c : candidates(ref, search_registries)) {
      c.digest.reset();
      if (c.tag.empty()) c.tag = "latest";
      out.push_back(c.str());
    }
  } else {
    Reference n = ref.normalized();
    n.digest.reset();
    if (n.tag.empty()) n.tag = "latest";
    out.push_back(n.str());
  }
  return out;
}

ResolvedImage resolve_image(const ImageIndex& index, std::string_view text, ShortNamePolicy policy,
                            const std::vector<std::string>& search_registries) {
  if (text.starts_with("sha256:")) {
    if (!looks_like_id_prefix(text)) not_known(text, policy);
    if (auto r = by_prefix(index, text.substr(7))) return *r;
    not_known(text, policy);
  }
  if (is_sha256_hex(text)) {
    if (auto img = image_of(index, std::string(text))) return ResolvedImage{.image = img, .by_id = true};
    not_known(text, policy);
  }
  std::optional<Error> parse_error;
  try {
    Reference ref = parse_reference(text);
    if (auto r = by_reference(index, ref, policy, search_registries)) return *r;
  } catch (const Error& e) {
    if (e.code() != Errc::invalid_argument) throw;
    parse_error = e;
  }
  if (looks_like_id_prefix(text)) {
    if (auto r = by_prefix(index, text)) return *r;
  } else if (parse_error) {
    throw *parse_error;
  }
  not_known(text, policy);
}

std::string normalize_new_name(std::string_view text, ShortNamePolicy policy) {
  Reference ref = parse_reference(text);
  if (ref.digest) fail(Errc::invalid_argument, "refusing to create a tag with a digest reference");
  if (policy == ShortNamePolicy::podman && ref.is_short_name()) ref.domain = "localhost";
  return ref.normalized().str();
}

}  // namespace berth::core::images
