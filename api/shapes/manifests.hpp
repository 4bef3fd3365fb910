// libpod manifest list replies: {Id}, ManifestModifyReport, the delete report and ManifestPushReport lines.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/manifests/service.hpp"

namespace berth::api::shapes {

// entities.IDResponse / ManifestPushReport {Id}.
nlohmann::json manifest_id_json(const std::string& id);
// entities.ManifestModifyReport {Id, images, errors} (Go writes an error value as a string here).
nlohmann::json manifest_modify_json(const std::string& id, const std::vector<std::string>& images,
                                    const std::vector<std::string>& errors);
// handlers.LibpodImagesRemoveReport {Deleted, Untagged, Errors, ExitCode}.
nlohmann::json manifest_delete_json(const core::manifests::DeleteReport& report);
// One ManifestPushReport line of a quiet=false push: {"Id":"","stream":text} / {"Id":"","error":text}.
std::string manifest_push_stream_line(std::string_view text);
std::string manifest_push_error_line(std::string_view message);

}  // namespace berth::api::shapes
