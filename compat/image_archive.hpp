// An image archive (save, export) as a streamed tar reply: the engine writes it on its own thread into a pipe.
#pragma once

#include <string>
#include <vector>

#include "core/images/service.hpp"
#include "server/http/reply.hpp"

namespace berth::core {
struct Engine;
}

namespace berth::compat {

// Starts engine.images.save(names, opts) and answers its bytes as application/x-tar. Errors before the first byte
// (unknown name, bad format) are thrown here, so they become ordinary JSON error replies; later ones cut the stream.
http::Reply archive_reply(core::Engine& engine, std::vector<std::string> names, core::images::SaveOptions opts);

}  // namespace berth::compat
