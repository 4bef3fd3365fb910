// System routes of the compat tree: ping, version, info (and openapi.json).
#pragma once

#include "server/http/router.hpp"

namespace berth::compat {

void add_system_routes(http::Router& router);

}  // namespace berth::compat
