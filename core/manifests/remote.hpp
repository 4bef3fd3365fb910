// Instances for a manifest list from a registry reference (podman manifest add docker://...).
#pragma once

#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/manifests/list.hpp"
#include "core/manifests/service.hpp"

namespace berth::core::manifests {

// Fetches the reference's manifest. A list gives all its instances (opts.all) or the one for the wanted platform
// (opts os/arch/variant, else the host's); an image manifest gives itself, its platform read from its config.
std::vector<ListEntry> registry_entries(const Config& config, const std::string& reference, const AddOptions& opts);

}  // namespace berth::core::manifests
