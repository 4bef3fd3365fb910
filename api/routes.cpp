// Registers every libpod route.
#include "api/routes.hpp"

#include "api/containers.hpp"
#include "api/events.hpp"
#include "api/exec.hpp"
#include "api/images.hpp"
#include "api/manifests.hpp"
#include "api/openapi.hpp"
#include "api/system.hpp"

namespace berth::api {
void add_libpod_routes(http::Router& router) {
  add_system_routes(router);
  add_image_routes(router);
  add_container_routes(router);
  add_exec_routes(router);
  add_manifest_routes(router);
  add_event_routes(router);
  add_openapi_routes(router);
}

}  // namespace berth::api
