// STUB (helper replaces).
#include "compat/system.hpp"
namespace berth::compat {
void add_system_routes(http::Router&) {}
}  // namespace berth::compat
