// GET /events in docker's shape (events.Message): what the docker CLI and docker-py decode.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/model/event.hpp"

namespace berth::compat::shapes {

// {"status","id","from","Type","Action","Actor":{"ID","Attributes"},"scope":"local","time","timeNano"}. The
// legacy status/id/from only for container and image events, as moby's events.Log fills them. Image IDs gain
// "sha256:", image removal is "delete", and the image's name is Actor.Attributes.name.
nlohmann::json event_json(const core::Event& event);

// The same, serialized as one line (no newline): the stream's shape function.
std::string event_line(const core::Event& event);

}  // namespace berth::compat::shapes
