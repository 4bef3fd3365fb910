// Registers every docker-compatible route.
#include "compat/routes.hpp"

#include "compat/auth.hpp"
#include "compat/containers.hpp"
#include "compat/events.hpp"
#include "compat/exec.hpp"
#include "compat/images.hpp"
#include "compat/system.hpp"

namespace berth::compat {
void add_compat_routes(http::Router& router) {
  add_system_routes(router);
  add_image_routes(router);
  add_container_routes(router);
  add_exec_routes(router);
  add_auth_routes(router);
  add_event_routes(router);
}

}  // namespace berth::compat
