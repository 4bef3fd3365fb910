// podman's search reports.
#include "api/shapes/search.hpp"

namespace berth::api::shapes {

namespace {
const char* ok_mark(bool set) { return set ? "[OK]" : ""; }
}  // namespace

nlohmann::json search_report_json(const core::SearchResult& r) {
  return {{"Index", r.index},
          {"Name", r.name},
          {"Description", r.description},
          {"Stars", r.stars},
          {"Official", ok_mark(r.official)},
          {"Automated", ok_mark(r.automated)},
          {"Tag", r.tag}};
}

nlohmann::json search_reports_json(const std::vector<core::SearchResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : results) out.push_back(search_report_json(r));
  return out;
}

}  // namespace berth::api::shapes
