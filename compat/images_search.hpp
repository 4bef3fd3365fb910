// GET /images/search: docker search through the daemon. The query parsing is shared with the libpod tree, whose
// handler podman serves from the same code.
#pragma once

#include "core/images/service.hpp"
#include "server/http/router.hpp"

namespace berth::core {
struct Engine;
}

namespace berth::compat {

// term=&limit=&filters=&tlsVerify=&listTags= plus X-Registry-Auth / X-Registry-Config.
core::images::SearchOptions search_options(const http::Request& req);

// GET /images/search: docker's rows; no result at all is podman's 404 "failed to find image TERM".
http::Reply search_images(const http::Request& req, core::Engine& engine);

}  // namespace berth::compat
