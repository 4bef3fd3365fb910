// Event filters: each key becomes one predicate over an event, and the event must pass all of them.
#include "core/events/filter.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace berth::core::events {
namespace {

using Values = std::vector<std::string>;

bool any_of(const Values& values, const std::function<bool(const std::string&)>& match) {
  return std::any_of(values.begin(), values.end(), match);
}

std::string attribute(const Event& e, const std::string& key) {
  auto it = e.attributes.find(key);
  return it == e.attributes.end() ? std::string() : it->second;
}

// moby's fuzzyMatchName: the actor ID or its name attribute, exactly or by prefix. Only events of that type pass,
// so `container=x` hides image events as docker does.
EventPredicate object_filter(std::string type, Values values) {
  return [type = std::move(type), values = std::move(values)](const Event& e) {
    if (e.type != type) return false;
    std::string name = e.name.empty() ? attribute(e, "name") : e.name;
    return any_of(values,
                  [&](const std::string& v) { return e.id.starts_with(v) || (!name.empty() && name.starts_with(v)); });
  };
}

// moby's matchImage: an image event's ID or name, or a container event's image attribute, each also without its
// tag. A "sha256:" prefix is optional on IDs (our image IDs are bare hex).
EventPredicate image_filter(Values values) {
  return [values = std::move(values)](const Event& e) {
    std::vector<std::string> candidates;
    if (e.type == "image") {
      candidates = {e.id, "sha256:" + e.id, e.name.empty() ? attribute(e, "name") : e.name};
    } else {
      candidates = {attribute(e, "image")};
    }
    for (std::size_t i = 0, n = candidates.size(); i < n; ++i) candidates.emplace_back(strip_image_tag(candidates[i]));
    return any_of(values, [&](const std::string& v) {
      return std::find(candidates.begin(), candidates.end(), v) != candidates.end() && !v.empty();
    });
  };
}

// "k" needs the attribute, "k=v" its value.
EventPredicate label_filter(Values values) {
  return [values = std::move(values)](const Event& e) {
    return std::all_of(values.begin(), values.end(), [&](const std::string& v) {
      auto eq = v.find('=');
      auto it = e.attributes.find(v.substr(0, eq));
      if (it == e.attributes.end()) return false;
      return eq == std::string::npos || it->second == v.substr(eq + 1);
    });
  };
}

EventPredicate exact_filter(std::string Event::*field, Values values) {
  return [field, values = std::move(values)](const Event& e) {
    return any_of(values, [&](const std::string& v) { return e.*field == v; });
  };
}

// docker's #25798: "health_status" (and exec_*) match their "health_status: healthy" forms by prefix.
// docker's verbs for what the engine records under podman's: a docker client filters by the words it is shown.
bool docker_synonym(const Event& e, const std::string& v) {
  if (e.type == "container" && e.action == "exec") {  // moby's "exec_start: <cmd args>"
    auto command = attribute(e, "cmd");               // the engine's exec events carry it
    return v == "exec_start" || (!command.empty() && v == "exec_start: " + command);
  }
  if (e.type == "container")
    return (v == "die" && e.action == "died") || (v == "destroy" && e.action == "remove") ||
           (v == "exec_die" && e.action == "exec_died");
  if (e.type == "image") return v == "delete" && e.action == "remove";
  return false;
}

EventPredicate action_filter(Values values) {
  return [values = std::move(values)](const Event& e) {
    return any_of(values, [&](const std::string& v) {
      if (e.action == v || docker_synonym(e, v)) return true;
      bool fuzzy = v == "health_status" || v == "exec_create" || v == "exec_start";
      return fuzzy && e.action.starts_with(v);
    });
  };
}

EventPredicate key_filter(const std::string& key, const Values& values) {
  if (key == "type") return exact_filter(&Event::type, values);
  if (key == "event" || key == "status") return action_filter(values);
  if (key == "container" || key == "volume" || key == "network" || key == "pod") return object_filter(key, values);
  if (key == "image") return image_filter(values);
  if (key == "label") return label_filter(values);
  // Every event here is local; a swarm scope matches nothing.
  if (key == "scope")
    return [values](const Event&) { return std::find(values.begin(), values.end(), "local") != values.end(); };
  // Swarm and plugin objects never produce events here; daemon events would be type "daemon" (none yet).
  static const std::set<std::string> kNever{"daemon", "plugin", "node", "service", "secret", "config"};
  if (kNever.count(key)) return object_filter(key, values);
  fail(Errc::invalid_argument, "invalid filter '" + key + "'");
}

}  // namespace

std::string_view strip_image_tag(std::string_view name) {
  if (auto at = name.find('@'); at != std::string_view::npos) name = name.substr(0, at);
  auto colon = name.rfind(':');
  if (colon != std::string_view::npos && name.find('/', colon) == std::string_view::npos) name = name.substr(0, colon);
  return name;
}

EventPredicate compile_event_filters(const Filters& filters) {
  std::vector<EventPredicate> all;
  for (const auto& [key, values] : filters) {
    auto predicate = key_filter(key, values);  // validates the key even when no value came with it
    if (!values.empty()) all.push_back(std::move(predicate));
  }
  if (all.empty()) return [](const Event&) { return true; };
  return [all = std::move(all)](const Event& e) {
    return std::all_of(all.begin(), all.end(), [&](const EventPredicate& p) { return p(e); });
  };
}

}  // namespace berth::core::events
