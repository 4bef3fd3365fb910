// Podman-shaped image documents (libpod tree): ImageData, the layer tree, remove/prune reports, import, load and
// the image part of /libpod/system/df. List and history reuse compat::shapes, as podman does.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/image.hpp"

namespace berth::api::shapes {

// GET /libpod/images/{name}/json (podman's inspect.ImageData).
nlohmann::json image_data_json(const core::Image& image, std::string_view root);

// The OCI image config's "config" object, Go omitempty rules (only what is set).
nlohmann::json oci_config_json(const core::ImageRunConfig& config);

// GET /libpod/images/{name}/tree: podman's text tree; `all` supplies the "Top Layer of" names.
std::string image_tree(const core::Image& image, const std::vector<std::shared_ptr<const core::Image>>& all);

// DELETE /libpod/images/{name} and /libpod/images/remove: {Deleted?, Untagged?, ExitCode, Errors}.
nlohmann::json remove_report_json(const core::ImageRemoveReport& report, const std::vector<std::string>& errors,
                                  int exit_code, bool errors_null_when_empty);

// POST /libpod/images/prune: [{Id, Size}].
nlohmann::json prune_json(const core::ImageRemoveReport& report);

// POST /libpod/images/import: {"Id":"sha256:…"}.
nlohmann::json import_json(const core::LoadedImage& image);

// POST /libpod/images/load: {"Names":[…]}; an image loaded without a name is named by its "sha256:" ID.
nlohmann::json load_json(const std::vector<core::LoadedImage>& images);

// GET /libpod/system/df: {Images[], Containers[], Volumes[]} with the image rows filled.
nlohmann::json df_json(const std::vector<std::shared_ptr<const core::Image>>& images);

}  // namespace berth::api::shapes
