// Golden documents recorded from podman 4.3.1 (tests/golden/podman-4.3.1/) and the shape comparison the shape tests
// share: keys and JSON types, recursively, not values.
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace berth::test {

inline std::string golden_text(const std::string& name) {
  std::ifstream in(std::string(BERTH_GOLDEN_DIR) + "/podman-4.3.1/" + name);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline nlohmann::json golden(const std::string& name) { return nlohmann::json::parse(golden_text(name)); }

inline std::string json_kind(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "bool";
  if (v.is_number_float()) return "float";
  if (v.is_number()) return "integer";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

// Which object paths hold data keys (Go maps: labels, runtimes, paths) rather than fields. Paths use "*" for any
// array element ("/Components/*/Details").
using MapPaths = std::function<bool(const std::string& path)>;

// Appends every difference between the golden document's shape and ours. Where podman has null, any type is
// accepted (a Go nil slice or map; we may send a value). Arrays: each of our elements against the golden's first.
// Maps: each of our values against the golden's value of the same key, else its first value; keys may differ.
inline void compare_shape(const nlohmann::json& want, const nlohmann::json& got, const std::string& path,
                          const MapPaths& is_map, std::vector<std::string>& problems) {
  if (want.is_null()) return;
  if (json_kind(want) != json_kind(got)) {
    problems.push_back(path + ": podman has " + json_kind(want) + ", we have " + json_kind(got));
    return;
  }
  if (want.is_array()) {
    if (want.empty()) return;
    for (const auto& item : got) compare_shape(want.front(), item, path + "/*", is_map, problems);
    return;
  }
  if (!want.is_object()) return;
  if (is_map && is_map(path)) {
    if (want.empty()) return;
    for (const auto& [key, value] : got.items())
      compare_shape(want.contains(key) ? want[key] : want.begin().value(), value, path + "/" + key, is_map, problems);
    return;
  }
  for (const auto& [key, value] : want.items()) {
    if (!got.contains(key)) {
      problems.push_back(path + "/" + key + ": missing");
      continue;
    }
    compare_shape(value, got[key], path + "/" + key, is_map, problems);
  }
  for (const auto& [key, value] : got.items())
    if (!want.contains(key)) problems.push_back(path + "/" + key + ": not in podman's answer");
}

inline std::vector<std::string> shape_problems(const nlohmann::json& want, const nlohmann::json& got,
                                               const MapPaths& is_map = {}) {
  std::vector<std::string> problems;
  compare_shape(want, got, "", is_map, problems);
  return problems;
}

}  // namespace berth::test
