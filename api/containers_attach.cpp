// The libpod tree's attach and resize: podman serves both with its compat handlers, so these delegate to ours.
#include "api/containers.hpp"
#include "compat/containers.hpp"

namespace berth::api::container_handlers {

// POST /libpod/containers/{name}/attach: the same options, framing and errors as the docker tree.
http::Reply attach(const http::Request& req, ContainerService& containers) {
  return compat::container_handlers::attach(req, containers);
}

// POST /libpod/containers/{name}/resize?h=&w= (200, as compat: podman shares ResizeTTY; exec resize is the 201).
http::Reply resize(const http::Request& req, ContainerService& containers) {
  return compat::container_handlers::resize(req, containers);
}

}  // namespace berth::api::container_handlers
