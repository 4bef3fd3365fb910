// Router: version prefixes, trees, parameters, 404/405.
#include <catch2/catch.hpp>

#include "server/http/router.hpp"

using namespace berth::http;

TEST_CASE("router matches with and without a version prefix", "[router]") {
  Router r;
  r.get("/libpod/containers/{name}/json", [](const Request& req) { return Reply::text(req.param("name")); });
  Request req;
  req.method = "GET";
  req.target = "/v4.3.1/libpod/containers/abc/json?size=1";
  Reply err;
  auto* route = r.route(req, err);
  REQUIRE(route);
  CHECK(req.param("name") == "abc");
  CHECK(req.tree == Tree::libpod);
  CHECK(req.version == ApiVersion{4, 3, 1});
  CHECK(req.query.flag("size"));
}
