// System routes of the libpod tree: /libpod/_ping, /libpod/version, /libpod/info.
#include "api/system.hpp"

#include "api/shapes/system.hpp"
#include "compat/shapes/system.hpp"
#include "core/engine.hpp"

namespace berth::api {
namespace {

// GET|HEAD /libpod/_ping (podman --remote's first call; it reads Libpod-API-Version, which the server adds)
http::Reply ping(const http::Request& req, core::Engine&) { return compat::shapes::ping_reply(req.method == "HEAD"); }

// GET /libpod/version: the same docker-shaped document as /version, as in podman.
http::Reply version(const http::Request&, core::Engine& engine) {
  return http::Reply::json(compat::shapes::version_json(engine.system.version()));
}

// GET /libpod/info
http::Reply info(const http::Request&, core::Engine& engine) {
  return http::Reply::json(shapes::info_json(engine.system.info()));
}

}  // namespace

void add_system_routes(http::Router& router) {
  router.get("/libpod/_ping", ping, {.blocking = false});
  router.head("/libpod/_ping", ping, {.blocking = false});
  // version and info wait for the host facts gathered at start the first time (tool runs, bounded by their
  // timeouts), and info statfs's the root: the work pool, never an IO thread.
  router.get("/libpod/version", version);
  router.get("/libpod/info", info);
}

}  // namespace berth::api
