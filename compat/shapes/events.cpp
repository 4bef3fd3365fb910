// docker's events.Message from core::Event.
#include "compat/shapes/events.hpp"

#include "core/images/reference.hpp"
#include "core/time.hpp"

namespace berth::compat::shapes {
namespace {

// Our image IDs are bare hex; docker's event Actor.ID is the full "sha256:" digest.
std::string actor_id(const core::Event& e) {
  if (e.type == "image" && e.id.size() == 64 && e.id.find(':') == std::string::npos) return "sha256:" + e.id;
  return e.id;
}

std::string attribute(const core::Event& e, const std::string& key) {
  auto it = e.attributes.find(key);
  return it == e.attributes.end() ? std::string() : it->second;
}

bool is_exec(const core::Event& e) { return e.type == "container" && (e.action == "exec" || e.action == "exec_died"); }

// The engine speaks podman's verbs where they differ from docker's. moby's exec start is "exec_start: <cmd args>"
// (the engine's exec events carry the command as attribute cmd), its exec exit "exec_die".
std::string docker_action(const core::Event& e) {
  if (e.type == "image" && e.action == "remove") return "delete";
  if (e.type == "container" && e.action == "died") return "die";
  if (e.type == "container" && e.action == "remove") return "destroy";
  if (e.type == "container" && e.action == "exec") {
    auto command = attribute(e, "cmd");
    return command.empty() ? "exec_start" : "exec_start: " + command;
  }
  if (e.type == "container" && e.action == "exec_died") return "exec_die";
  return e.action;
}

// docker names images as users type them ("busybox:latest"), not fully qualified.
std::string familiar_name(const std::string& name) {
  if (name.empty()) return name;
  try {
    return core::images::parse_reference(name).familiar();
  } catch (const std::exception&) {
    return name;  // a name docker could not parse still reads better than nothing
  }
}

}  // namespace

nlohmann::json event_json(const core::Event& e) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [k, v] : e.attributes) attributes[k] = v;
  if (is_exec(e)) attributes.erase("cmd");  // moby shows the command only in the action
  if (!e.name.empty() && !attributes.contains("name")) attributes["name"] = e.name;
  if (e.type == "image" && attributes.contains("name"))
    attributes["name"] = familiar_name(attributes["name"].get<std::string>());
  std::string id = actor_id(e);
  std::string action = docker_action(e);
  nlohmann::json out = nlohmann::json::object();
  if (e.type == "container" || e.type == "image") {
    out["status"] = action;
    out["id"] = id;
    if (e.type == "container" && attributes.contains("image")) out["from"] = attributes["image"];
  }
  out["Type"] = e.type;
  out["Action"] = action;
  out["Actor"] = {{"ID", id}, {"Attributes", std::move(attributes)}};
  out["scope"] = "local";
  out["time"] = e.time_ns / core::kNanosPerSecond;
  out["timeNano"] = e.time_ns;
  return out;
}

std::string event_line(const core::Event& event) { return event_json(event).dump(); }

}  // namespace berth::compat::shapes
