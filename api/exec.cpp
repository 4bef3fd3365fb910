// The libpod tree's exec routes: podman's compat exec handlers, with podman's reading of the start body.
#include "api/exec.hpp"

#include "api/shapes/exec.hpp"
#include "compat/exec.hpp"
#include "core/engine.hpp"

namespace berth::api::exec_handlers {

// POST /libpod/exec/{id}/start {Detach, Tty, h, w}: 200 with an empty line when detached, else the hijacked stream
// framed by the session's own TTY setting.
http::Reply start(const http::Request& req, ExecService& exec) {
  return compat::exec_handlers::start_session(req, exec, shapes::libpod_exec_start_from_json(req.body));
}

}  // namespace berth::api::exec_handlers

namespace berth::api {

namespace {

using ExecHandler = http::Reply (*)(const http::Request&, ExecService&);

template <ExecHandler H>
http::Reply on_engine(const http::Request& req, core::Engine& engine) {
  return H(req, engine.exec);
}

}  // namespace

void add_exec_routes(http::Router& router) {
  namespace compat_exec = compat::exec_handlers;
  router.post("/libpod/containers/{name}/exec", on_engine<compat_exec::create>);
  router.post("/libpod/exec/{id}/start", on_engine<exec_handlers::start>);
  router.post("/libpod/exec/{id}/resize", on_engine<compat_exec::resize>);
  router.get("/libpod/exec/{id}/json", on_engine<compat_exec::inspect>);
}

}  // namespace berth::api
