// Router: version prefixes, trees, {param} and greedy {param*} segments, 404/405/400.
#include "server/http/router.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

using namespace berth::http;

namespace {

Reply echo_name(const Request& req) { return Reply::text(req.param("name")); }

Router sample_router() {
  Router r;
  r.get("/_ping", [](const Request&) { return Reply::text("OK"); });
  r.get("/libpod/containers/{name}/json", echo_name);
  r.get("/libpod/images/{name*}/json", echo_name);
  r.del("/libpod/images/{name*}", echo_name);
  r.get("/images/{name*}/history", echo_name);
  return r;
}

struct Routed {
  const Route* route;
  Request req;
  Reply error;
};

Routed route(const Router& r, std::string method, std::string target) {
  Routed out{nullptr, {}, {}};
  out.req.method = std::move(method);
  out.req.target = std::move(target);
  out.route = r.route(out.req, out.error);
  return out;
}

}  // namespace

TEST_CASE("routes answer with and without a version prefix", "[router]") {
  auto r = sample_router();
  auto a = route(r, "GET", "/v4.3.1/libpod/containers/abc/json?size=1");
  REQUIRE(a.route);
  CHECK(a.req.param("name") == "abc");
  CHECK(a.req.tree == Tree::libpod);
  CHECK(a.req.version == ApiVersion{4, 3, 1});
  CHECK(a.req.version_given);
  CHECK(a.req.path == "/libpod/containers/abc/json");
  CHECK(a.req.query.flag("size"));

  auto b = route(r, "GET", "/libpod/containers/abc/json");
  REQUIRE(b.route);
  CHECK_FALSE(b.req.version_given);
  CHECK(b.req.version == kLibpodApi);

  auto c = route(r, "GET", "/v1.40/_ping");
  REQUIRE(c.route);
  CHECK(c.req.tree == Tree::compat);
  CHECK(c.req.version == ApiVersion{1, 40, 0});
  auto d = route(r, "GET", "/_ping");
  REQUIRE(d.route);
  CHECK(d.req.version == kCompatApi);
}

TEST_CASE("greedy parameters span slashes and keep the suffix", "[router]") {
  auto r = sample_router();
  auto a = route(r, "GET", "/v4.3.1/libpod/images/quay.io/libpod/alpine:latest/json");
  REQUIRE(a.route);
  CHECK(a.req.param("name") == "quay.io/libpod/alpine:latest");
  auto b = route(r, "DELETE", "/libpod/images/localhost/foo");
  REQUIRE(b.route);
  CHECK(b.req.param("name") == "localhost/foo");
  auto c = route(r, "GET", "/images/a/b/history");
  REQUIRE(c.route);
  CHECK(c.req.param("name") == "a/b");
}

TEST_CASE("path parameters are percent-decoded after routing", "[router]") {
  auto r = sample_router();
  // podman --remote sends a/b as a%2Fb: it must route as one segment and arrive decoded.
  auto a = route(r, "GET", "/v4.3.1/libpod/containers/a%2Fb/json");
  REQUIRE(a.route);
  CHECK(a.req.param("name") == "a/b");
}

TEST_CASE("unknown paths are 404 and known paths with another method 405, in JSON", "[router]") {
  auto r = sample_router();
  auto a = route(r, "GET", "/v1.41/nothing/here");
  CHECK_FALSE(a.route);
  CHECK(a.error.status == 404);
  auto body = nlohmann::json::parse(a.error.body);
  CHECK(body["response"] == 404);
  CHECK(body.contains("cause"));
  CHECK(body.contains("message"));

  auto b = route(r, "POST", "/_ping");
  CHECK_FALSE(b.route);
  CHECK(b.error.status == 405);
  CHECK(nlohmann::json::parse(b.error.body)["response"] == 405);

  CHECK(route(r, "GET", "/").error.status == 404);
  CHECK(route(r, "GET", "/libpod/containers/json/extra/json").error.status == 404);
}

TEST_CASE("compat versions outside docker's range are refused with docker's words", "[router]") {
  auto r = sample_router();
  auto old = route(r, "GET", "/v1.12/_ping");
  CHECK_FALSE(old.route);
  CHECK(old.error.status == 400);
  CHECK(nlohmann::json::parse(old.error.body)["message"] ==
        "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a "
        "newer version");
  auto fresh = route(r, "GET", "/v1.50/_ping");
  CHECK(fresh.error.status == 400);
  CHECK(nlohmann::json::parse(fresh.error.body)["message"].get<std::string>().find("too new") != std::string::npos);
  // Libpod accepts any client version: podman --remote 4.x and 5.x talk to a 4.3.1 server.
  CHECK(route(r, "GET", "/v5.0.0/libpod/containers/x/json").route);
  CHECK(route(r, "GET", "/v1.24/_ping").route);
}

TEST_CASE("a version prefix that is not a version is a 400", "[router]") {
  auto r = sample_router();
  auto a = route(r, "GET", "/v1.4x1/_ping");
  CHECK_FALSE(a.route);
  CHECK(a.error.status == 400);
}

TEST_CASE("handler exceptions become their error replies", "[router]") {
  Router r;
  r.get("/boom", [](const Request&) -> Reply { berth::core::fail(berth::core::Errc::not_found, "no such thing"); });
  r.get("/json", [](const Request&) { return Reply::json(nlohmann::json::parse("{")); });
  r.get("/int", [](const Request& req) { return Reply::text(std::to_string(req.query.integer("n", 0))); });
  for (auto [target, status] : {std::pair{"/boom", 404}, {"/json", 400}, {"/int?n=x", 400}, {"/int?n=3", 200}}) {
    auto routed = route(r, "GET", target);
    REQUIRE(routed.route);
    auto reply = invoke(*routed.route, routed.req);
    CHECK(reply.status == status);
    if (status != 200) CHECK(nlohmann::json::parse(reply.body)["response"] == status);
  }
}
