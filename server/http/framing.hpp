// Stream framing: how one chunk goes on the wire for each Framing. Pure, so it is unit-tested without sockets.
#pragma once

#include <string>

#include "core/streams/source.hpp"
#include "server/http/reply.hpp"

namespace berth::http {

// Appends `chunk` framed for `framing` to `out`.
void append_frame(std::string& out, Framing framing, const core::streams::Chunk& chunk);

}  // namespace berth::http
