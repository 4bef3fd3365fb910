// Event: one thing that happened to an object, as `events` will report it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace berth::core {

struct Event {
  std::string type;    // "image", "container", "volume", "network", "pod", "system"
  std::string action;  // "pull", "push", "tag", "untag", "remove", "load", "save", "import", ...
  std::string id;      // object ID (images: hex)
  std::string name;    // the name the action concerned (e.g. the tag), may be ""
  std::map<std::string, std::string> attributes;
  std::int64_t time_ns = 0;  // set by the publisher when 0
};

}  // namespace berth::core
