// STUB (helper replaces).
#include "api/system.hpp"
namespace berth::api {
void add_system_routes(http::Router&) {}
}  // namespace berth::api
