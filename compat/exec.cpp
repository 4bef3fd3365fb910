// The docker tree's exec handlers: create, start (detached, or a hijacked stream like attach), inspect, resize.
#include "compat/exec.hpp"

#include <cstdint>
#include <limits>
#include <memory>

#include "compat/shapes/exec.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"

namespace berth::compat::exec_handlers {
namespace {

using http::Reply;
using http::Request;

// A terminal dimension from the query: podman decodes h and w as uint16, and a bad value is a 400.
int dimension(const Request& req, std::string_view key) {
  auto v = req.query.integer(key, 0);
  if (v < 0 || v > std::numeric_limits<std::uint16_t>::max())
    core::fail(core::Errc::invalid_argument, "invalid value for parameter \"" + std::string(key) + "\": out of range");
  return static_cast<int>(v);
}

}  // namespace

// POST /containers/{name}/exec → 201 {"Id"}. Not running or paused → 409 from the service.
Reply create(const Request& req, ExecService& exec) {
  auto id = exec.create(req.param("name"), shapes::exec_config_from_json(req.body));
  return Reply::json(shapes::exec_create_reply_json(id), 201);
}

// POST /exec/{id}/start {Detach, Tty, ConsoleSize | h, w}
Reply start(const Request& req, ExecService& exec) {
  return start_session(req, exec, shapes::exec_start_from_json(req.body));
}

// Errors (404, 409) are plain JSON replies: the hijack happens only once the engine started the process.
Reply start_session(const Request& req, ExecService& exec, const core::exec::ExecStartOptions& opts) {
  std::shared_ptr<core::streams::Duplex> duplex = exec.start(req.param("id"), opts);
  if (opts.detach || !duplex) return Reply::text("\n");  // podman: "a 200 despite having no content"
  return Reply::hijack(std::move(duplex));
}

// GET /exec/{id}/json
Reply inspect(const Request& req, ExecService& exec) {
  return Reply::json(shapes::exec_inspect_json(exec.inspect(req.param("id"))));
}

// POST /exec/{id}/resize?h=&w=&running= → 201 with no body (podman's ResizeTTY, "for compatibility"). running=true
// (podman's IgnoreNotRunning) makes a session or container that is not running a success.
Reply resize(const Request& req, ExecService& exec) {
  int height = dimension(req, "h");
  int width = dimension(req, "w");
  try {
    exec.resize(req.param("id"), height, width);
  } catch (const core::Error& e) {
    if (e.code() != core::Errc::conflict || !req.query.flag("running")) throw;
  }
  return Reply::empty(201);
}

}  // namespace berth::compat::exec_handlers

namespace berth::compat {

namespace {

using ExecHandler = http::Reply (*)(const http::Request&, ExecService&);

// The handlers see only the exec service; this is the one place that takes it from the engine.
template <ExecHandler H>
http::Reply on_engine(const http::Request& req, core::Engine& engine) {
  return H(req, engine.exec);
}

}  // namespace

void add_exec_routes(http::Router& router) {
  using namespace exec_handlers;
  router.post("/containers/{name}/exec", on_engine<create>);
  router.post("/exec/{id}/start", on_engine<start>);
  router.post("/exec/{id}/resize", on_engine<resize>);
  router.get("/exec/{id}/json", on_engine<inspect>);
}

}  // namespace berth::compat
