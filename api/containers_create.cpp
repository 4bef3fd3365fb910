// POST /libpod/containers/create: a SpecGenerator body in, {Id, Warnings} out.
#include "api/containers.hpp"
#include "api/shapes/container_create.hpp"

namespace berth::api::container_handlers {

// The image must already be local: podman --remote pulls first (policy=missing) and then creates.
http::Reply create(const http::Request& req, ContainerService& containers) {
  auto spec = shapes::spec_from_specgen(req.body);
  auto result = containers.create(spec, core::images::ShortNamePolicy::podman);
  return http::Reply::json(shapes::specgen_create_reply_json(result.id, result.warnings), 201);
}

}  // namespace berth::api::container_handlers
