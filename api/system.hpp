// System routes of the api tree: ping, version, info (and openapi.json).
#pragma once

#include "server/http/router.hpp"

namespace berth::api {

void add_system_routes(http::Router& router);

}  // namespace berth::api
