// GET /images/search in docker's shape (registry.SearchResult): what the docker CLI decodes.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "core/model/search.hpp"

namespace berth::compat::shapes {

// {"description","is_official","is_automated","name","star_count"}; name is the full name podman shows
// ("127.0.0.1:5000/busybox").
nlohmann::json search_result_json(const core::SearchResult& result);
nlohmann::json search_json(const std::vector<core::SearchResult>& results);

}  // namespace berth::compat::shapes
