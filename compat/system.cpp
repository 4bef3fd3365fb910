// System routes of the docker tree: /_ping, /version, /info.
#include "compat/system.hpp"

#include "compat/shapes/system.hpp"
#include "core/engine.hpp"

namespace berth::compat {
namespace {

// GET|HEAD /_ping (the docker CLI's first call; it reads API-Version and OSType)
http::Reply ping(const http::Request& req, core::Engine&) { return shapes::ping_reply(req.method == "HEAD"); }

// GET /version
http::Reply version(const http::Request&, core::Engine& engine) {
  return http::Reply::json(shapes::version_json(engine.system.version()));
}

// GET /info
http::Reply info(const http::Request&, core::Engine& engine) {
  return http::Reply::json(shapes::info_json(engine.system.info()));
}

}  // namespace

void add_system_routes(http::Router& router) {
  router.get("/_ping", ping, {.blocking = false});
  router.head("/_ping", ping, {.blocking = false});
  // version and info wait for the host facts gathered at start the first time (tool runs, bounded by their
  // timeouts), and info statfs's the root: the work pool, never an IO thread.
  router.get("/version", version);
  router.get("/info", info);
}

}  // namespace berth::compat
