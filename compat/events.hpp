// GET /events: docker's event stream.
#pragma once

#include "server/http/router.hpp"

namespace berth::compat {

void add_event_routes(http::Router& router);

}  // namespace berth::compat
