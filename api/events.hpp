// GET /libpod/events: podman's event stream.
#pragma once

#include "server/http/router.hpp"

namespace berth::api {

void add_event_routes(http::Router& router);

}  // namespace berth::api
