// GET /libpod/images/search: podman search --remote.
#pragma once

#include "server/http/router.hpp"

namespace berth::core {
struct Engine;
}

namespace berth::api {

// term=&limit=&filters=&tlsVerify=&listTags=: podman's reports ([] when nothing matched).
http::Reply search_images(const http::Request& req, core::Engine& engine);

}  // namespace berth::api
