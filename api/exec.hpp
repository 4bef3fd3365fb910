// Exec routes of the libpod tree: /libpod/containers/{name}/exec and /libpod/exec/{id}/... podman 4.3.1 serves
// them with its compat handlers, so create, inspect and resize are the docker tree's; start differs only in how
// it reads its body.
#pragma once

#include "core/exec/service.hpp"
#include "server/http/router.hpp"

namespace berth::api {

using ExecService = core::exec::ExecService;

namespace exec_handlers {
http::Reply start(const http::Request& req, ExecService& exec);
}  // namespace exec_handlers

// Registers the routes; each handler is handed engine.exec.
void add_exec_routes(http::Router& router);

}  // namespace berth::api
