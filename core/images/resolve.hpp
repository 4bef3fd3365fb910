// Image name resolution, the one place: IDs, prefixes and references normalised per ShortNamePolicy.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/images/image_store.hpp"
#include "core/images/reference.hpp"
#include "core/images/service.hpp"

namespace berth::core::images {

struct ResolvedImage {
  std::shared_ptr<const Image> image;
  bool by_id = false;                  // the text was a full ID, "sha256:"+ID or a unique prefix
  std::string name;                    // the stored tag that matched, for a tag reference; else ""
  std::optional<Reference> reference;  // the parsed (normalised) reference, when the text was one
};

// Resolution order: "sha256:"+hex (full or prefix), a 64-hex ID, then the name (docker: normalized; podman:
// localhost/NAME, then each unqualified-search registry, then a unique image having a tag whose repository ends in
// "/NAME" with the same tag), then a unique hex prefix (≥3). A name with a digest matches a stored repo@digest or
// an image with that manifest digest tagged in that repository.
// Not found → not_found "<text>: image not known"; ambiguous prefix → invalid_argument
// "multiple IDs found with provided prefix: <prefix>"; an unparsable name that is no ID → its parse error.
ResolvedImage resolve_image(const ImageIndex& index, std::string_view text, ShortNamePolicy policy,
                            const std::vector<std::string>& search_registries);

// The full name to store for a new tag (tag, import reference, archive names): docker → docker.io/library/x:latest;
// podman → a short name goes to localhost/x:latest. A digest → invalid_argument (tags cannot hold one).
std::string normalize_new_name(std::string_view text, ShortNamePolicy policy);

// The names `ref` may be stored under, in lookup order (without digest): docker one, podman the candidates.
std::vector<std::string> lookup_names(const Reference& ref, ShortNamePolicy policy,
                                      const std::vector<std::string>& search_registries);

// "docker.io/library/busybox:latest" → "docker.io/library/busybox".
std::string repository_of_name(std::string_view name);

}  // namespace berth::core::images
