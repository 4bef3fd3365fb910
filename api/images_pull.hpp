// Registry transfers of the libpod tree: POST /libpod/images/pull and POST /libpod/images/{name}/push.
#pragma once

#include "server/http/router.hpp"

namespace berth::core {
struct Engine;
}

namespace berth::api {

// POST /libpod/images/pull?reference=&policy=&tlsVerify=&quiet=&allTags=&Arch=&OS=&Variant=&credentials=
http::Reply pull_image(const http::Request& req, core::Engine& engine);
// POST /libpod/images/{name}/push?destination=&tlsVerify=&format=&quiet=&compress=
http::Reply push_image(const http::Request& req, core::Engine& engine);

}  // namespace berth::api
