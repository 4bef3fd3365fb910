// Serves openapi/libpod.json and openapi/compat.json (embedded at build time) as one document.
#include "api/openapi.hpp"

#include <nlohmann/json.hpp>

#include "openapi/openapi.hpp"

namespace berth::api {
namespace {

// Merged once: the documents are constants of the binary.
const http::Reply& merged_reply() {
  static const http::Reply reply = [] {
    auto doc = nlohmann::json::parse(openapi::compat_json());
    auto libpod = nlohmann::json::parse(openapi::libpod_json());
    doc["info"]["title"] = "Berth API (libpod and Docker-compatible)";
    doc["info"]["description"] =
        libpod["info"]["description"].get<std::string>() + "\n\n" + doc["info"]["description"].get<std::string>();
    for (auto& [path, item] : libpod["paths"].items()) doc["paths"][path] = item;
    for (auto& [name, schema] : libpod["components"]["schemas"].items()) doc["components"]["schemas"][name] = schema;
    return http::Reply::json(doc);
  }();
  return reply;
}

http::Reply openapi_json(const http::Request&) { return merged_reply(); }

}  // namespace

void add_openapi_routes(http::Router& router) { router.get("/openapi.json", openapi_json, {.blocking = false}); }

}  // namespace berth::api
