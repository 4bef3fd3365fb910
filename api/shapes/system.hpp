// Podman-shaped system documents: GET /libpod/info (host, store, registries, plugins, version).
#pragma once

#include <nlohmann/json.hpp>

#include "core/model/system.hpp"

namespace berth::api::shapes {

// GET /libpod/info: podman 4.3.1's define.Info. /libpod/version answers compat::shapes::version_json, as podman does.
nlohmann::json info_json(const core::HostInfo& info);

// The "registries" object: each [[registry]] by prefix (c/image's Registry, Go field names) plus "search".
nlohmann::json registries_json(const core::RegistriesConfig& registries);

}  // namespace berth::api::shapes
