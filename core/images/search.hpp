// The pure parts of image search (podman's libimage/search.go and c/image's SearchRegistry), apart from the
// registry traffic so the unit tests can pin them down.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model/filters.hpp"
#include "core/model/search.hpp"

namespace berth::core::images {

// podman's default (and docker's) number of results per registry.
inline constexpr int kDefaultSearchLimit = 25;

// libimage.ParseSearchFilter over the first value of each key: stars=<int>, is-official / is-automated (any value
// but "false" means true). An unknown key or a non-integer stars → invalid_argument.
SearchFilter parse_search_filter(const Filters& filters);
bool search_filter_matches(const SearchFilter& filter, const SearchResult& result);

// "registry/term" → {registry, term}; a term without '/' → {"", term} (everything before the first slash is the
// registry, wildcards and all, as podman does).
std::pair<std::string, std::string> split_search_term(std::string_view term);

// c/image's v2 fallback: catalog entries containing `term`, in catalog order, at most `limit`; an exact match
// found within the limit moves to the front.
std::vector<std::string> catalog_matches(const std::vector<std::string>& repositories, std::string_view term,
                                         std::size_t limit);

// The Name podman shows: "registry/repo", except docker hub's official images: "docker.io/library/<repo>".
std::string search_result_name(std::string_view registry, std::string_view repo);

}  // namespace berth::core::images
