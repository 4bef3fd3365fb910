// Docker's create body (Config with HostConfig and NetworkingConfig nested, as the docker CLI, compose and docker-py
// send it) → core::ContainerSpec, and the create reply.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/container.hpp"

namespace berth::compat::shapes {

// Parses the body of POST /containers/create. `name` comes from the query (?name=). Keys match without case, as
// Go's encoding/json does; unknown keys are ignored; null means "not given". A value of the wrong JSON type, or
// a setting Berth cannot honour yet, → invalid_argument naming the field by its JSON pointer ("/HostConfig/Memory").
core::ContainerSpec container_spec_from_json(std::string_view body, std::string name);
core::ContainerSpec container_spec_from_doc(const nlohmann::json& body, std::string name);

// "/src:/dst:ro,Z" (HostConfig.Binds) → a bind mount, or a volume mount when src is not an absolute path.
core::MountSpec parse_bind(std::string_view bind);

// 201 {"Id", "Warnings": [...]}: docker-py reads Warnings as a list, so it is [] rather than null.
nlohmann::json create_reply_json(const std::string& id, const std::vector<std::string>& warnings);

}  // namespace berth::compat::shapes
