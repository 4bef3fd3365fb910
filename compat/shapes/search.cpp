// Docker's search rows.
#include "compat/shapes/search.hpp"

namespace berth::compat::shapes {

nlohmann::json search_result_json(const core::SearchResult& r) {
  return {{"description", r.description},
          {"is_official", r.official},
          {"is_automated", r.automated},
          {"name", r.name},
          {"star_count", r.stars}};
}

nlohmann::json search_json(const std::vector<core::SearchResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : results) out.push_back(search_result_json(r));
  return out;
}

}  // namespace berth::compat::shapes
