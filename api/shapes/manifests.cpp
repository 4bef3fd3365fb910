// libpod manifest list reply shapes.
#include "api/shapes/manifests.hpp"

namespace berth::api::shapes {

nlohmann::json manifest_id_json(const std::string& id) { return {{"Id", id}}; }

nlohmann::json manifest_modify_json(const std::string& id, const std::vector<std::string>& images,
                                    const std::vector<std::string>& errors) {
  nlohmann::json out = {{"Id", id}};
  if (!images.empty()) out["images"] = images;  // omitempty in podman
  if (!errors.empty()) out["errors"] = errors;
  return out;
}

nlohmann::json manifest_delete_json(const core::manifests::DeleteReport& report) {
  nlohmann::json out = {{"ExitCode", 0}};
  if (!report.deleted.empty()) out["Deleted"] = report.deleted;
  if (!report.untagged.empty()) out["Untagged"] = report.untagged;
  return out;
}

std::string manifest_push_stream_line(std::string_view text) {
  return nlohmann::json{{"Id", ""}, {"stream", std::string(text) + "\n"}}.dump();
}

std::string manifest_push_error_line(std::string_view message) {
  return nlohmann::json{{"Id", ""}, {"error", std::string(message)}}.dump();
}

}  // namespace berth::api::shapes
