// Manifest list routes of the libpod tree (v4 paths and the v3 ones podman still serves under /v3.x prefixes).
#pragma once

#include "server/http/router.hpp"

namespace berth::api {

void add_manifest_routes(http::Router& router);

}  // namespace berth::api
