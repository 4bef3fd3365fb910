// The stored form of a container: ContainerSpec ↔ containers.config_json, ContainerState ↔ the container_state
// row's state_json. Internal: not an API shape (those live in api/shapes and compat/shapes).
#pragma once

#include <string>
#include <string_view>

#include "core/model/container.hpp"

namespace berth::core::containers {

std::string spec_to_json(const ContainerSpec& spec);
// Missing keys keep their defaults, so rows written by older versions still load. Malformed → Errc::internal.
ContainerSpec spec_from_json(std::string_view json);

// The state fields that have no column of their own (error, stopped_by_user).
std::string state_extra_to_json(const ContainerState& state);
void state_extra_from_json(std::string_view json, ContainerState& state);

// "configured", "created", "initialized", "running", "paused", "stopped", "exited", "removing" (podman's names).
const char* status_name(ContainerStatus status);
// The reverse; unknown → configured.
ContainerStatus status_from_name(std::string_view name);

// Running or paused: a live process.
inline bool is_running(ContainerStatus s) { return s == ContainerStatus::running || s == ContainerStatus::paused; }
// Running, paused or initialized: conmon and a runc container exist (an exit will be reported).
inline bool has_runtime(ContainerStatus s) { return is_running(s) || s == ContainerStatus::initialized; }

}  // namespace berth::core::containers
