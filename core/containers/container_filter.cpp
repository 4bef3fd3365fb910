// ContainerFilter: docker's and podman's container filters (all values of one key OR, keys AND).
#include "core/containers/container_filter.hpp"

#include <algorithm>
#include <regex>

#include "core/containers/spec_json.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace berth::core::containers {

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& value) {
  fail(Errc::invalid_argument, "invalid filter '" + key + "=" + value + "'");
}

bool label_matches(const std::map<std::string, std::string>& labels, const std::string& want) {
  auto eq = want.find('=');
  if (eq == std::string::npos) return labels.contains(want);
  auto it = labels.find(want.substr(0, eq));
  return it != labels.end() && it->second == want.substr(eq + 1);
}

template <class F>
bool any_of(const std::vector<std::string>& values, F f) {
  return std::any_of(values.begin(), values.end(), f);
}

}  // namespace

const char* docker_status(ContainerStatus s) {
  switch (s) {
    case ContainerStatus::configured:
    case ContainerStatus::created:
    case ContainerStatus::initialized:
      return "created";
    case ContainerStatus::running:
      return "running";
    case ContainerStatus::paused:
      return "paused";
    case ContainerStatus::removing:
      return "removing";
    case ContainerStatus::stopped:
    case ContainerStatus::exited:
      return "exited";
  }
  return "exited";
}

const std::set<std::string>& list_filter_keys() {
  static const std::set<std::string> keys = {"id",      "name",     "label",  "label!", "status",
                                             "exited",  "ancestor", "before", "since",  "volume",
                                             "network", "health",   "pod",    "until",  "is-task"};
  return keys;
}

ContainerFilter::ContainerFilter(const Filters& filters, const std::set<std::string>& accepted,
                                 const ContainerIndex& index, const ContainerRef& resolve, const ImageIdOf& image_id_of)
    : filters_(filters) {
  (void)index;
  static const std::set<std::string> statuses = {"created", "restarting", "running",    "removing", "paused",
                                                 "exited",  "dead",       "configured", "stopped"};
  for (const auto& [key, values] : filters_) {
    if (!accepted.contains(key)) fail(Errc::invalid_argument, "invalid filter '" + key + "'");
    for (const auto& v : values) {
      if (key == "status" && !statuses.contains(v)) bad(key, v);
      if (key == "exited") {
        try {
          std::size_t used = 0;
          std::stoi(v, &used);
          if (used != v.size()) bad(key, v);
        } catch (const std::logic_error&) {
          bad(key, v);
        }
      }
      if (key == "name") {
        try {
          std::regex re(v);
        } catch (const std::regex_error&) {
          bad(key, v);
        }
      }
      if (key == "before") before_ns_ = std::max(before_ns_, resolve(v)->created_ns);
      if (key == "since") since_ns_ = std::max(since_ns_, resolve(v)->created_ns);
      if (key == "until") until_ns_ = parse_filter_time(v, now_ns());
      if (key == "ancestor") {
        ancestor_refs_.push_back(v);
        if (image_id_of) {
          std::string id = image_id_of(v);
          if (!id.empty()) ancestor_ids_.insert(id);
        }
      }
    }
  }
}

bool ContainerFilter::operator()(const Container& c) const {
  for (const auto& [key, values] : filters_) {
    bool ok = true;
    if (key == "id") {
      ok = any_of(values, [&](const std::string& v) { return c.id.starts_with(v); });
    } else if (key == "name") {
      ok = any_of(values, [&](const std::string& v) { return std::regex_search(c.name, std::regex(v)); });
    } else if (key == "label") {
      ok = std::all_of(values.begin(), values.end(),
                       [&](const std::string& v) { return label_matches(c.spec.labels, v); });
    } else if (key == "label!") {
      ok = !any_of(values, [&](const std::string& v) { return label_matches(c.spec.labels, v); });
    } else if (key == "status") {
      ok = any_of(values, [&](const std::string& v) {
        return v == docker_status(c.state.status) || v == status_name(c.state.status);
      });
    } else if (key == "exited") {
      ok = c.state.exit_code && !is_running(c.state.status) && c.state.status != ContainerStatus::created &&
           any_of(values, [&](const std::string& v) { return std::stoi(v) == *c.state.exit_code; });
    } else if (key == "ancestor") {
      ok = ancestor_ids_.contains(c.spec.image_id) || any_of(ancestor_refs_, [&](const std::string& v) {
             return c.spec.image == v || c.spec.image == v + ":latest" ||
                    (v.size() >= 3 && c.spec.image_id.starts_with(v));
           });
    } else if (key == "before") {
      ok = c.created_ns < before_ns_;
    } else if (key == "since") {
      ok = c.created_ns > since_ns_;
    } else if (key == "until") {
      ok = c.created_ns <= until_ns_;
    } else if (key == "volume") {
      ok = any_of(values, [&](const std::string& v) {
        return std::any_of(c.spec.mounts.begin(), c.spec.mounts.end(),
                           [&](const MountSpec& m) { return m.source == v || m.destination == v; });
      });
    } else if (key == "network") {
      std::string mode = c.spec.network_mode.empty() ? "bridge" : c.spec.network_mode;
      ok = any_of(values, [&](const std::string& v) { return v == mode; });
    } else if (key == "health") {
      ok = any_of(values, [](const std::string& v) { return v == "none"; });  // no healthchecks yet
    } else if (key == "pod") {
      ok = false;  // no pods yet
    } else if (key == "is-task") {
      ok = any_of(values, [](const std::string& v) { return v == "false" || v == "0"; });
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace berth::core::containers
