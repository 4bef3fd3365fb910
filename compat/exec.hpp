// Exec routes of the docker tree: /containers/{name}/exec and /exec/{id}/... The handlers need only the exec
// service (so they are testable without an engine); add_exec_routes hands them engine.exec. The libpod tree
// (api/exec.cpp) reuses create, inspect and resize, as podman serves both trees with one set of handlers.
#pragma once

#include "core/exec/service.hpp"
#include "server/http/router.hpp"

namespace berth::compat {

using ExecService = core::exec::ExecService;

namespace exec_handlers {
http::Reply create(const http::Request& req, ExecService& exec);
http::Reply start(const http::Request& req, ExecService& exec);
http::Reply inspect(const http::Request& req, ExecService& exec);
http::Reply resize(const http::Request& req, ExecService& exec);

// Runs the session as `opts` says: detached → 200 with an empty text line (podman's ExecStartHandler), else the
// hijacked stream. Both trees' start handlers end here.
http::Reply start_session(const http::Request& req, ExecService& exec, const core::exec::ExecStartOptions& opts);
}  // namespace exec_handlers

// Registers the routes above; each handler is handed engine.exec.
void add_exec_routes(http::Router& router);

}  // namespace berth::compat
