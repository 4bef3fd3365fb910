// Image routes of the docker tree: /images/...
#pragma once

#include "server/http/router.hpp"

namespace berth::compat {

void add_image_routes(http::Router& router);

}  // namespace berth::compat
