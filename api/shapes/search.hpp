// GET /libpod/images/search in podman's shape (entities.ImageSearchReport).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "core/model/search.hpp"

namespace berth::api::shapes {

// {"Index","Name","Description","Stars","Official","Automated","Tag"}: Official and Automated are "[OK]" or "",
// as podman's table prints them.
nlohmann::json search_report_json(const core::SearchResult& result);
nlohmann::json search_reports_json(const std::vector<core::SearchResult>& results);

}  // namespace berth::api::shapes
