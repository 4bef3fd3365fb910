// Both docker forms of `filters` into key → values.
#include "server/http/filters.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace berth::http {
namespace {

[[noreturn]] void bad_filters(std::string_view why) {
  core::fail(core::Errc::invalid_argument, std::string(why), "invalid filters");
}

}  // namespace

core::Filters parse_filters(std::string_view text) {
  core::Filters out;
  if (text.empty()) return out;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) bad_filters("malformed JSON: " + std::string(text));
  if (doc.is_null()) return out;
  if (!doc.is_object()) bad_filters("want a JSON object of lists");
  for (const auto& [key, value] : doc.items()) {
    auto& values = out[key];
    if (value.is_array()) {
      for (const auto& v : value) {
        if (!v.is_string()) bad_filters("values of '" + key + "' must be strings");
        values.push_back(v.get<std::string>());
      }
    } else if (value.is_object()) {
      // Legacy docker form {"k":{"v":true}}: the true members are the values.
      for (const auto& [v, on] : value.items()) {
        if (!on.is_boolean()) bad_filters("values of '" + key + "' must be booleans in the map form");
        if (on.get<bool>()) values.push_back(v);
      }
    } else {
      bad_filters("values of '" + key + "' must be a list");
    }
  }
  return out;
}

core::Filters query_filters(const Query& query) { return parse_filters(query.string("filters")); }

}  // namespace berth::http
