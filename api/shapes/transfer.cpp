// Podman's ImagePullReport / ImagePushReport lines: {stream?, error?, images?, id?} with Go's omitempty.
#include "api/shapes/transfer.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace berth::api::shapes {

namespace {

// docker's summary lines, which podman's copy output does not have.
bool docker_only_message(std::string_view text) {
  return text.starts_with("Digest: ") || text.starts_with("Status: ") ||
         text.starts_with("The push refers to repository") || text.find(": digest: sha256:") != std::string_view::npos;
}

}  // namespace

std::string transfer_error_line(std::string_view message) { return nlohmann::json{{"error", message}}.dump(); }

std::vector<std::string> PodmanTransferStream::stream(std::string text) const {
  if (quiet_) return {};
  if (!text.ends_with('\n')) text += '\n';
  return {nlohmann::json{{"stream", text}}.dump()};
}

std::vector<std::string> PodmanTransferStream::lines(const core::TransferEvent& event) {
  using Kind = core::TransferEvent::Kind;
  switch (event.kind) {
    case Kind::message:
      if (docker_only_message(event.status)) return {};
      if (event.status.starts_with("Copying blob ")) engine_copy_lines_ = true;
      return stream(event.status);
    case Kind::layer: {
      if (engine_copy_lines_ || event.id.empty() || std::ranges::find(seen_, event.id) != seen_.end()) return {};
      seen_.push_back(event.id);
      bool skipped = event.status == "Already exists" || event.status == "Layer already exists";
      return stream("Copying blob " + event.id + (skipped ? " skipped: already exists" : ""));
    }
    case Kind::done: {
      if (push_) return {};
      nlohmann::ordered_json out = nlohmann::ordered_json::object();
      if (!event.image_ids.empty()) {
        out["images"] = event.image_ids;
        out["id"] = event.image_ids.back();
      }
      return {out.dump()};
    }
    case Kind::error:
      return {transfer_error_line(event.status)};
  }
  return {};
}

}  // namespace berth::api::shapes
