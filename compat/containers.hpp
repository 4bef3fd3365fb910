// Container routes of the docker tree: /containers/... The handlers need only the container service; the one place
// that reaches it inside the engine is the accessor compat/routes.cpp passes to add_container_routes.
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
}  // namespace container_handlers

// Binds a service handler to the router's engine: `Of(engine)` is the engine's container service.
template <auto Of, ContainerHandler H>
http::Reply with_containers(const http::Request& req, core::Engine& engine) {
  return H(req, Of(engine));
}

template <auto Of>
void add_container_routes(http::Router& router) {
  using namespace container_handlers;
  router.post("/containers/create", with_containers<Of, create>);
  router.get("/containers/json", with_containers<Of, list>);
  router.post("/containers/prune", with_containers<Of, prune>);
  router.get("/containers/{name}/json", with_containers<Of, inspect>);
  router.post("/containers/{name}/start", with_containers<Of, start>);
  router.post("/containers/{name}/stop", with_containers<Of, stop>);
  router.post("/containers/{name}/restart", with_containers<Of, restart>);
  router.post("/containers/{name}/kill", with_containers<Of, kill>);
  router.post("/containers/{name}/pause", with_containers<Of, pause>);
  router.post("/containers/{name}/unpause", with_containers<Of, unpause>);
  router.post("/containers/{name}/wait", with_containers<Of, wait>);
  router.post("/containers/{name}/rename", with_containers<Of, rename>);
  router.get("/containers/{name}/top", with_containers<Of, top>);
  router.get("/containers/{name}/logs", with_containers<Of, logs>);
  router.del("/containers/{name}", with_containers<Of, remove>);
}

}  // namespace berth::compat
