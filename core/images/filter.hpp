// Image list and prune filters: checks keys and values once, then evaluates them per image.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/images/image_store.hpp"
#include "core/images/service.hpp"
#include "core/model/filters.hpp"

namespace berth::core::images {

using ImagePredicate = std::function<bool(const Image&)>;

// Keys `images list` accepts (docker's plus libpod's): reference, dangling, label, label!, before, since, after
// (podman's alias of since), id, digest, until, readonly, intermediate.
const std::set<std::string, std::less<>>& list_filter_keys();
// Keys `images prune` accepts: until, label, label!, dangling (dangling=false means all, as docker).
const std::set<std::string, std::less<>>& prune_filter_keys();

struct FilterContext {
  const ImageIndex& index;  // to resolve before/since
  ShortNamePolicy policy = ShortNamePolicy::docker;
  const std::vector<std::string>& search_registries;
  std::int64_t now_ns = 0;  // for until=<duration>
};

// All filters must hold (values of one key: reference/id/digest any, label all). A key outside `accepted` →
// invalid_argument "invalid filter 'k'"; a bad value → invalid_argument naming it; before/since of an unknown
// image → that lookup's not_found.
ImagePredicate compile_image_filters(const Filters& filters, const std::set<std::string, std::less<>>& accepted,
                                     const FilterContext& ctx);

// docker's glob (path.Match: '*' stops at '/') against an image's names, familiar and full, with and without tag.
bool matches_reference(const Image& image, std::string_view pattern, ShortNamePolicy policy);

// docker's boolean filter values: "true"/"1" and "false"/"0"; anything else → invalid_argument.
bool parse_filter_bool(std::string_view key, std::string_view value);

}  // namespace berth::core::images
