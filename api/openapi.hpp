// GET /openapi.json: the OpenAPI 3 documents of both trees, merged.
#pragma once

#include "server/http/router.hpp"

namespace berth::api {

void add_openapi_routes(http::Router& router);

}  // namespace berth::api
