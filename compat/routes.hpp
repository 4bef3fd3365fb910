// The docker-compatible tree: one add_*_routes per resource.
#pragma once

#include "server/http/router.hpp"

namespace berth::compat {

void add_compat_routes(http::Router& router);

}  // namespace berth::compat
