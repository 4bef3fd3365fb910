// Image routes of the libpod tree: /libpod/images/...
#pragma once

#include "server/http/router.hpp"

namespace berth::api {

void add_image_routes(http::Router& router);

}  // namespace berth::api
