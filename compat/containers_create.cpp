// POST /containers/create: docker's create body through compat/shapes/container_create into the service.
#include "compat/containers.hpp"
#include "compat/shapes/container_create.hpp"

namespace berth::compat::container_handlers {

// POST /containers/create?name=&platform= (platform is ignored: the image must already be local, and only its
// own platform exists here)
http::Reply create(const http::Request& req, ContainerService& containers) {
  auto spec = shapes::container_spec_from_json(req.body, req.query.string("name"));
  auto result = containers.create(spec);
  return http::Reply::json(shapes::create_reply_json(result.id, result.warnings), 201);
}

}  // namespace berth::compat::container_handlers
