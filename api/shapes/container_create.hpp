// Podman's SpecGenerator (the body of POST /libpod/containers/create, as podman --remote 4.3.1 and podman-py send
// it) → core::ContainerSpec, and the create reply.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/container.hpp"

namespace berth::api::shapes {

// Parses the body. Keys match without case, as Go's encoding/json does; unknown keys are ignored; null means "not
// given". Malformed JSON, a value of the wrong JSON type (named by its JSON pointer, "/resource_limits/memory/limit")
// or a setting Berth cannot honour yet (named volumes, pods, host pid/ipc/uts namespaces) → invalid_argument.
core::ContainerSpec spec_from_specgen(std::string_view body);
core::ContainerSpec spec_from_specgen_doc(const nlohmann::json& body);

// 201 {"Id", "Warnings": [...]}: podman-py reads Warnings as a list, so it is [] rather than null.
nlohmann::json specgen_create_reply_json(const std::string& id, const std::vector<std::string>& warnings);

}  // namespace berth::api::shapes
