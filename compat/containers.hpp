// Container routes of the docker tree: /containers/... The handlers need only the container service (so they are
// testable without an engine); add_container_routes hands them engine.containers.
#pragma once

#include "core/containers/service.hpp"
#include "server/http/router.hpp"

namespace berth::compat {

using ContainerService = core::containers::ContainerService;
using ContainerHandler = http::Reply (*)(const http::Request&, ContainerService&);

namespace container_handlers {
http::Reply create(const http::Request& req, ContainerService& containers);  // containers_create.cpp
http::Reply list(const http::Request& req, ContainerService& containers);    // containers.cpp
http::Reply inspect(const http::Request& req, ContainerService& containers);
http::Reply start(const http::Request& req, ContainerService& containers);
http::Reply stop(const http::Request& req, ContainerService& containers);
http::Reply restart(const http::Request& req, ContainerService& containers);
http::Reply kill(const http::Request& req, ContainerService& containers);
http::Reply pause(const http::Request& req, ContainerService& containers);
http::Reply unpause(const http::Request& req, ContainerService& containers);
http::Reply remove(const http::Request& req, ContainerService& containers);
http::Reply rename(const http::Request& req, ContainerService& containers);
http::Reply prune(const http::Request& req, ContainerService& containers);
http::Reply top(const http::Request& req, ContainerService& containers);  // containers_streams.cpp
http::Reply wait(const http::Request& req, ContainerService& containers);
http::Reply logs(const http::Request& req, ContainerService& containers);
http::Reply attach(const http::Request& req, ContainerService& containers);  // containers_attach.cpp
http::Reply attach_ws(const http::Request& req, ContainerService& containers);
http::Reply resize(const http::Request& req, ContainerService& containers);
}  // namespace container_handlers

// Registers the routes above; each handler is handed engine.containers.
void add_container_routes(http::Router& router);

}  // namespace berth::compat
