// The save/export reply shared by both trees.
#include "compat/image_archive.hpp"

#include <memory>

#include "core/engine.hpp"
#include "core/streams/pipe_source.hpp"

namespace berth::compat {

http::Reply archive_reply(core::Engine& engine, std::vector<std::string> names, core::images::SaveOptions opts) {
  auto source = std::make_shared<core::streams::PipeSource>(
      [&engine, names = std::move(names), opts](int fd) { engine.images.save(names, opts, fd); });
  source->start();
  auto reply = http::Reply::chunks(http::Framing::raw, std::move(source));
  reply.headers.set("Content-Type", "application/x-tar");
  return reply;
}

}  // namespace berth::compat
