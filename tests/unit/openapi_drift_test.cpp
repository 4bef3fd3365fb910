// The router's table and openapi/*.json must list the same operations: a registered route without
// documentation, or documentation without a route, fails here.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "api/routes.hpp"
#include "compat/routes.hpp"
#include "openapi/openapi.hpp"

using namespace berth;

namespace {

using Operation = std::pair<std::string, std::string>;  // METHOD, path with {param}

std::string normalize(std::string pattern) {
  // The router spells a greedy parameter {name*}; OpenAPI path templates have no such syntax.
  for (auto pos = pattern.find("*}"); pos != std::string::npos; pos = pattern.find("*}")) pattern.erase(pos, 1);
  return pattern;
}

std::set<Operation> documented(const nlohmann::json& doc) {
  std::set<Operation> ops;
  for (auto& [path, item] : doc.at("paths").items())
    for (auto& [method, op] : item.items()) {
      std::string m = method;
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "DELETE" || m == "PATCH") ops.emplace(m, path);
    }
  return ops;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("every registered route is documented in openapi/ and every documented one is registered", "[openapi]") {
  http::Router router;
  api::add_libpod_routes(router);
  compat::add_compat_routes(router);
  std::set<Operation> registered;
  for (auto& r : router.routes()) registered.emplace(r->method, normalize(r->pattern));

  std::set<Operation> docs;
  for (auto name : {"libpod.json", "compat.json"}) {
    auto doc = read_json(std::string(BERTH_OPENAPI_DIR) + "/" + name);
    CHECK(doc.at("openapi").get<std::string>().rfind("3.", 0) == 0);
    for (auto& op : documented(doc)) {
      bool libpod_path = op.second.rfind("/libpod/", 0) == 0;
      INFO(name << ": " << op.first << " " << op.second);
      CHECK(libpod_path == (std::string(name) == "libpod.json"));  // each tree in its own document
      docs.insert(op);
    }
  }
  for (auto& op : registered) {
    INFO("registered but not documented: " << op.first << " " << op.second);
    CHECK(docs.count(op) == 1);
  }
  for (auto& op : docs) {
    INFO("documented but not registered: " << op.first << " " << op.second);
    CHECK(registered.count(op) == 1);
  }
}

TEST_CASE("the embedded documents are the ones in openapi/", "[openapi]") {
  CHECK(nlohmann::json::parse(openapi::libpod_json()) == read_json(std::string(BERTH_OPENAPI_DIR) + "/libpod.json"));
  CHECK(nlohmann::json::parse(openapi::compat_json()) == read_json(std::string(BERTH_OPENAPI_DIR) + "/compat.json"));
}
