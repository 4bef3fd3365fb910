// GET /libpod/events in podman 4.3.1's shape: entities.Event, docker's events.Message as
// entities.ConvertToEntitiesEvent fills it from a libpod event.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/model/event.hpp"

namespace berth::api::shapes {

// {"status","id","from","Type","Action","Actor":{"ID","Attributes"},"scope":"local","time","timeNano"}: status,
// id and from for every type (from is the container's image, omitted when empty); IDs are bare hex; Attributes
// always carry image, name, containerExitCode and podId (possibly "").
nlohmann::json event_json(const core::Event& event);

// The same as one line (no newline): the stream's shape function.
std::string event_line(const core::Event& event);

}  // namespace berth::api::shapes
