// System routes of the docker tree: /_ping, /version, /info.
#include "compat/system.hpp"

#include "compat/shapes/images.hpp"
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

// GET /system/df: images for real; containers, volumes and the build cache arrive with their issues.
http::Reply df(const http::Request&, core::Engine& engine) {
  return http::Reply::json(shapes::df_json(engine.images.list({}), engine.images.disk_usage()));
}

}  // namespace

void add_system_routes(http::Router& router) {
  router.get("/_ping", ping, {.blocking = false});
  router.head("/_ping", ping, {.blocking = false});
  // version and info wait for the host facts gathered at start the first time (tool runs, bounded by their
  // timeouts), and info statfs's the root: the work pool, never an IO thread.
  router.get("/version", version);
  router.get("/info", info);
  router.get("/system/df", df);
}

}  // namespace berth::compat
