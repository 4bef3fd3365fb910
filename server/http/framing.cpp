// json-lines, docker multiplexing and raw framing.
#include "server/http/framing.hpp"

#include <cstdint>

namespace berth::http {

void append_frame(std::string& out, Framing framing, const core::streams::Chunk& chunk) {
  switch (framing) {
    case Framing::json_lines:
      out += chunk.data;
      out += '\n';
      return;
    case Framing::docker_mux: {
      // Docker's stdcopy header: stream id, three zero bytes, big-endian payload length. Payloads above
      // 4 GiB cannot be expressed, so split them.
      std::string_view rest = chunk.data;
      do {
        auto part = rest.substr(0, 0xffffffffu);
        auto n = static_cast<std::uint32_t>(part.size());
        char header[8] = {static_cast<char>(chunk.stream),
                          0,
                          0,
                          0,
                          static_cast<char>(n >> 24),
                          static_cast<char>(n >> 16),
                          static_cast<char>(n >> 8),
                          static_cast<char>(n)};
        out.append(header, 8);
        out.append(part);
        rest.remove_prefix(part.size());
      } while (!rest.empty());
      return;
    }
    case Framing::raw:
      out += chunk.data;
      return;
  }
}

}  // namespace berth::http
