// Docker jsonmessage lines for pull and push. Key order is docker's JSONMessage field order (stream, status,
// progressDetail, progress, id, errorDetail, error, aux), hence ordered_json.
#include "compat/shapes/transfer.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace berth::compat::shapes {
namespace {

using ojson = nlohmann::ordered_json;

ojson progress_detail(const core::TransferEvent& event) {
  ojson detail = ojson::object();
  if (event.current > 0) detail["current"] = event.current;
  if (event.total > 0) detail["total"] = event.total;
  return detail;
}

// A layer's line: status, progressDetail (always; empty unless bytes are known), progress text, id.
std::string layer_line(const core::TransferEvent& event) {
  ojson out;
  out["status"] = event.status;
  out["progressDetail"] = progress_detail(event);
  if (auto text = progress_text(event.current, event.total); !text.empty()) out["progress"] = text;
  out["id"] = event.id;
  return out.dump();
}

std::string status_line(std::string_view status, std::string_view id = {}) {
  ojson out;
  out["status"] = status;
  if (!id.empty()) out["id"] = id;
  return out.dump();
}

}  // namespace

std::string human_size(double size) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  int i = 0;
  while (size >= 1000.0 && i < 8) {
    size /= 1000.0;
    ++i;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g%s", size, units[i]);
  return buf;
}

std::string progress_text(std::uint64_t current, std::uint64_t total) {
  char buf[128];
  if (current == 0 && total == 0) return {};
  if (total == 0) {
    std::snprintf(buf, sizeof buf, "%8s", human_size(static_cast<double>(current)).c_str());
    return buf;
  }
  int percentage = static_cast<int>(static_cast<double>(current) / static_cast<double>(total) * 100) / 2;
  if (percentage > 50) percentage = 50;
  std::string bar = "[" + std::string(static_cast<std::size_t>(percentage), '=') + ">" +
                    std::string(static_cast<std::size_t>(50 - percentage), ' ') + "] ";
  if (current > total)
    std::snprintf(buf, sizeof buf, "%8s", human_size(static_cast<double>(current)).c_str());
  else
    std::snprintf(buf, sizeof buf, "%8s/%s", human_size(static_cast<double>(current)).c_str(),
                  human_size(static_cast<double>(total)).c_str());
  return bar + buf;
}

std::string error_line(std::string_view message) {
  ojson out;
  out["errorDetail"] = {{"message", message}};
  out["error"] = message;
  return out.dump();
}

bool podman_only_message(std::string_view text) {
  for (std::string_view prefix : {"Trying to pull ", "Getting image source signatures", "Copying blob ",
                                  "Copying config ", "Writing manifest", "Storing signatures"})
    if (text.starts_with(prefix)) return true;
  return false;
}

DockerPullStream::DockerPullStream(std::string path, std::string tag_or_digest, std::string familiar)
    : path_(std::move(path)), tag_(std::move(tag_or_digest)), familiar_(std::move(familiar)) {}

std::string DockerPullStream::start() const { return status_line("Pulling from " + path_, tag_); }

std::vector<std::string> DockerPullStream::lines(const core::TransferEvent& event) {
  using Kind = core::TransferEvent::Kind;
  switch (event.kind) {
    case Kind::layer:
      if (event.status != "Already exists") fetched_ = true;
      return {layer_line(event)};
    case Kind::message:
      if (podman_only_message(event.status)) return {};
      said_digest_ = said_digest_ || event.status.starts_with("Digest: ");
      said_status_ = said_status_ || event.status.starts_with("Status: ");
      return {status_line(event.status, event.id)};
    case Kind::done: {
      std::vector<std::string> out;
      if (!said_digest_ && !event.digest.empty()) out.push_back(status_line("Digest: " + event.digest));
      if (!said_status_)
        out.push_back(status_line(
            (fetched_ ? "Status: Downloaded newer image for " : "Status: Image is up to date for ") + familiar_));
      return out;
    }
    case Kind::error:
      return {error_line(event.status)};
  }
  return {};
}

DockerPushStream::DockerPushStream(std::string repository, std::string tag)
    : repository_(std::move(repository)), tag_(std::move(tag)) {}

std::string DockerPushStream::start() const {
  return status_line("The push refers to repository [" + repository_ + "]");
}

std::vector<std::string> DockerPushStream::lines(const core::TransferEvent& event) {
  using Kind = core::TransferEvent::Kind;
  switch (event.kind) {
    case Kind::layer:
      return {layer_line(event)};
    case Kind::message:  // start() and `done` write these two lines themselves
      if (podman_only_message(event.status) || event.status.starts_with("The push refers to repository") ||
          event.status.find(": digest: sha256:") != std::string::npos)
        return {};
      return {status_line(event.status, event.id)};
    case Kind::done: {
      auto tag = event.tag.empty() ? tag_ : event.tag;
      ojson aux;
      aux["progressDetail"] = ojson::object();
      aux["aux"] = {{"Tag", tag}, {"Digest", event.digest}, {"Size", event.size}};
      return {status_line(tag + ": digest: " + event.digest + " size: " + std::to_string(event.size)), aux.dump()};
    }
    case Kind::error:
      return {error_line(event.status)};
  }
  return {};
}

nlohmann::json login_ok_json() { return {{"IdentityToken", ""}, {"Status", "Login Succeeded"}}; }

}  // namespace berth::compat::shapes
