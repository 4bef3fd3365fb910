// Registers every docker-compatible route.
#include "compat/routes.hpp"

#include "compat/auth.hpp"
#include "compat/containers.hpp"
#include "compat/events.hpp"
#include "compat/images.hpp"
#include "compat/system.hpp"
#include "core/engine.hpp"

namespace berth::compat {
namespace {

// Where the engine keeps the container service: the one line of the docker tree that knows.
constexpr auto containers_of = [](auto& engine) -> core::containers::ContainerService& { return engine.containers; };

// The container routes join once core::Engine has its container service; until then (the service is being
// written) the tree builds and serves without them instead of failing to compile.
template <class Engine>
void add_engine_container_routes(http::Router& router) {
  if constexpr (requires(Engine & e) { e.containers; }) add_container_routes<containers_of>(router);
}

}  // namespace

void add_compat_routes(http::Router& router) {
  add_system_routes(router);
  add_image_routes(router);
  add_engine_container_routes<core::Engine>(router);
  add_auth_routes(router);
  add_event_routes(router);
}

}  // namespace berth::compat
