// Docker-tree image documents as podman 4.3.1 sends them (list, inspect, history, remove, prune, import, load,
// the image part of /system/df), plus the pieces the libpod tree shares (summary, history, overlay paths).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/image.hpp"

namespace berth::compat::shapes {

// Go's RFC3339Nano in UTC of a Unix time in nanoseconds ("2026-11-28T02:42:38.531327296Z").
std::string rfc3339_nano(std::int64_t unix_ns);

// GET /images/json and GET /libpod/images/json: podman answers both with its own summary; the docker tree's Id
// carries "sha256:", the libpod one is bare hex. `containers`: how many containers use the image.
nlohmann::json image_summary_json(const core::Image& image, bool docker_tree, std::size_t containers = 0);

// GET /images/{name}/json (docker's ImageInspect). `root` locates the layer directories shown in GraphDriver.
nlohmann::json image_inspect_json(const core::Image& image, std::string_view root);

// GraphDriver {Name "overlay", Data {LowerDir?, UpperDir, WorkDir}}: top layer upper, the others lower.
nlohmann::json graph_driver_json(const core::Image& image, std::string_view root);

// GET /images/{name}/history and /libpod/images/{name}/history (podman shares the handler).
nlohmann::json history_json(const std::vector<core::ImageHistoryItem>& items, bool docker_tree);

// DELETE /images/{name}: [{"Deleted": id}..., {"Untagged": name}...] in podman's order.
nlohmann::json remove_json(const core::ImageRemoveReport& report);

// POST /images/prune: {ImagesDeleted, SpaceReclaimed}.
nlohmann::json prune_json(const core::ImageRemoveReport& report);

// POST /images/create?fromSrc=: podman's one JSON message naming the new image.
nlohmann::json import_json(const core::LoadedImage& image);

// POST /images/load: one {"stream":"Loaded image: name\n"} line per name ("Loaded image ID: sha256:…" when the
// image came without one), as docker writes them; the whole answer as json-lines text.
std::string load_lines(const std::vector<core::LoadedImage>& images);

// GET /system/df: the images for real; Containers, Volumes and BuildCache empty until their issues land.
nlohmann::json df_json(const std::vector<std::shared_ptr<const core::Image>>& images,
                       const core::ImageDiskUsage& usage);

}  // namespace berth::compat::shapes
