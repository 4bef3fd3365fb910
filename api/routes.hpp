// The libpod tree (/libpod/...): one add_*_routes per resource.
#pragma once

#include "server/http/router.hpp"

namespace berth::api {

void add_libpod_routes(http::Router& router);

}  // namespace berth::api
