// podman's entities.Event from core::Event.
#include "api/shapes/events.hpp"

#include "core/time.hpp"

namespace berth::api::shapes {
namespace {

std::string attribute(const core::Event& e, const std::string& key) {
  auto it = e.attributes.find(key);
  return it == e.attributes.end() ? std::string() : it->second;
}

}  // namespace

nlohmann::json event_json(const core::Event& e) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [k, v] : e.attributes) attributes[k] = v;
  // ConvertToEntitiesEvent overwrites these four from the libpod event's own fields.
  std::string image = e.type == "image" ? std::string() : attribute(e, "image");
  attributes["image"] = image;
  attributes["name"] = e.name.empty() ? attribute(e, "name") : e.name;
  // podman's int ContainerExitCode: "0" unless the event carries one (the engine's "died" says exitCode, which
  // only the docker tree shows under that name).
  std::string code = attribute(e, "exitCode");
  if (code.empty()) code = attribute(e, "containerExitCode");
  attributes.erase("exitCode");
  attributes["containerExitCode"] = code.empty() ? "0" : code;
  attributes["podId"] = attribute(e, "podId");
  // podman 4.3.1's exec and exec_died events carry the container's labels only: newExecDiedEvent's execID is
  // overwritten with its Details (so is the engine's cmd here), and the exit code is the containerExitCode above.
  if (e.type == "container" && (e.action == "exec" || e.action == "exec_died")) {
    attributes.erase("execID");
    attributes.erase("cmd");
  }
  nlohmann::json out = nlohmann::json::object();
  // Go's omitempty on status, id, from, time and timeNano.
  if (!e.action.empty()) out["status"] = e.action;
  if (!e.id.empty()) out["id"] = e.id;
  if (!image.empty()) out["from"] = image;
  out["Type"] = e.type;
  out["Action"] = e.action;
  out["Actor"] = {{"ID", e.id}, {"Attributes", std::move(attributes)}};
  out["scope"] = "local";
  if (e.time_ns != 0) {
    out["time"] = e.time_ns / core::kNanosPerSecond;
    out["timeNano"] = e.time_ns;
  }
  return out;
}

std::string event_line(const core::Event& event) { return event_json(event).dump(); }

}  // namespace berth::api::shapes
