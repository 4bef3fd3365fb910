// POST /auth: docker login through the daemon.
#pragma once

#include "server/http/router.hpp"

namespace berth::compat {

void add_auth_routes(http::Router& router);

}  // namespace berth::compat
