// Podman's pull and push streams (POST /libpod/images/pull, POST /libpod/images/{name}/push?quiet=false): one JSON
// document per line, {"stream": "text\n"} for what podman prints, then the pull's {"images","id"} report, or
// {"error": "…"}. Stateful, one object per request.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model/transfer.hpp"

namespace berth::api::shapes {

// {"error":"…"}
std::string transfer_error_line(std::string_view message);

class PodmanTransferStream {
 public:
  // quiet: no {"stream"} lines (pull ?quiet=true); push: no final report (podman 4.3.1 sends none for a push).
  PodmanTransferStream(bool quiet, bool push) : quiet_(quiet), push_(push) {}
  // message: {"stream":"text\n"}; layer: "Copying blob <id>\n" at its first event (" skipped: already exists" when
  // that is all it does) unless the engine writes its own "Copying blob" lines; done (pull): {"images":[…],"id":
  // last}; error: {"error":"…"}.
  std::vector<std::string> lines(const core::TransferEvent& event);

 private:
  std::vector<std::string> stream(std::string text) const;
  bool quiet_, push_;
  bool engine_copy_lines_ = false;
  std::vector<std::string> seen_;  // layer ids already announced
};

}  // namespace berth::api::shapes
