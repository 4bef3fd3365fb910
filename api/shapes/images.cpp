// Podman 4.3.1 image shapes, key for key (tests/golden/podman-4.3.1/images_libpod_*).
#include "api/shapes/images.hpp"

#include <cstdio>

#include "compat/shapes/images.hpp"
#include "compat/shapes/transfer.hpp"

namespace berth::api::shapes {
namespace {

using nlohmann::json;

json set_json(const std::vector<std::string>& keys) {
  json out = json::object();
  for (const auto& k : keys) out[k] = json::object();
  return out;
}

json oci_history_json(const core::ImageHistoryEntry& h) {
  json out = json::object();
  if (h.created_ns != 0) out["created"] = compat::shapes::rfc3339_nano(h.created_ns);
  if (!h.created_by.empty()) out["created_by"] = h.created_by;
  if (!h.author.empty()) out["author"] = h.author;
  if (!h.comment.empty()) out["comment"] = h.comment;
  if (h.empty_layer) out["empty_layer"] = true;
  return out;
}

// Go's %v of a []string: "[a b]".
std::string go_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + v[i];
  return out + "]";
}

std::string hex_of(const std::string& digest) {
  auto colon = digest.find(':');
  return colon == std::string::npos ? digest : digest.substr(colon + 1);
}

}  // namespace

json oci_config_json(const core::ImageRunConfig& c) {
  json out = json::object();
  if (!c.user.empty()) out["User"] = c.user;
  if (!c.exposed_ports.empty()) out["ExposedPorts"] = set_json(c.exposed_ports);
  if (!c.env.empty()) out["Env"] = c.env;
  if (c.entrypoint) out["Entrypoint"] = *c.entrypoint;
  if (c.cmd) out["Cmd"] = *c.cmd;
  if (!c.volumes.empty()) out["Volumes"] = set_json(c.volumes);
  if (!c.working_dir.empty()) out["WorkingDir"] = c.working_dir;
  if (!c.labels.empty()) out["Labels"] = c.labels;
  if (!c.stop_signal.empty()) out["StopSignal"] = c.stop_signal;
  return out;
}

json image_data_json(const core::Image& image, std::string_view root) {
  json layers = json::array();
  for (const auto& l : image.layers) layers.push_back(l.diff_id);
  json history = json::array();
  for (const auto& h : image.history) history.push_back(oci_history_json(h));
  json out = {{"Id", image.id},
              {"Digest", image.manifest_digest},
              {"RepoTags", image.tags},
              {"RepoDigests", image.digests},
              {"Parent", image.parent_id},
              {"Comment", image.comment},
              {"Created", compat::shapes::rfc3339_nano(image.created_ns)},
              {"Config", oci_config_json(image.config)},
              {"Version", image.docker_version},
              {"Author", image.author},
              {"Architecture", image.architecture}};
  if (!image.variant.empty()) out["Variant"] = image.variant;
  out["Os"] = image.os;
  out["Size"] = image.size;
  out["VirtualSize"] = image.size;
  auto graph = compat::shapes::graph_driver_json(image, root);
  out["GraphDriver"] = {{"Name", graph["Name"]}, {"Data", graph["Data"]}};  // podman's key order here
  out["RootFS"] = {{"Type", "layers"}, {"Layers", std::move(layers)}};
  out["Labels"] = image.config.labels.empty() ? json(nullptr) : json(image.config.labels);
  out["Annotations"] = json::object();
  out["ManifestType"] =
      image.manifest_media_type.empty() ? "application/vnd.oci.image.manifest.v1+json" : image.manifest_media_type;
  out["User"] = image.config.user;
  out["History"] = std::move(history);
  out["NamesHistory"] = image.tags;
  if (image.config.healthcheck_test) out["HealthCheck"] = {{"Test", *image.config.healthcheck_test}};
  return out;
}

std::string image_tree(const core::Image& image, const std::vector<std::shared_ptr<const core::Image>>& all) {
  std::string out = "Image ID: " + image.id.substr(0, 12) + "\n";
  out += "Tags:     " + go_list(image.tags) + "\n";
  out += "Size:     " + compat::shapes::human_size(static_cast<double>(image.size)) + "\n";
  out += "Image Layers\n";
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    const auto& layer = image.layers[i];
    out += i + 1 == image.layers.size() ? "└── " : "├── ";
    char size[32];
    std::snprintf(size, sizeof size, "%7s", compat::shapes::human_size(static_cast<double>(layer.size)).c_str());
    out += "ID: " + hex_of(layer.chain_id).substr(0, 12) + " Size: " + size;
    std::vector<std::string> top_of;
    for (const auto& other : all)
      if (!other->layers.empty() && other->layers.back().chain_id == layer.chain_id)
        top_of.insert(top_of.end(), other->tags.begin(), other->tags.end());
    if (!top_of.empty()) out += " Top Layer of: " + go_list(top_of);
    out += "\n";
  }
  return out;
}

json remove_report_json(const core::ImageRemoveReport& report, const std::vector<std::string>& errors, int exit_code,
                        bool errors_null_when_empty) {
  json out = json::object();
  if (!report.deleted.empty()) out["Deleted"] = report.deleted;
  if (!report.untagged.empty()) out["Untagged"] = report.untagged;
  out["ExitCode"] = exit_code;
  out["Errors"] = errors.empty() && errors_null_when_empty ? json(nullptr) : json(errors);
  return out;
}

json prune_json(const core::ImageRemoveReport& report) {
  json out = json::array();
  // The engine reports the space reclaimed in total; a single image gets it all, several get 0 each.
  for (const auto& id : report.deleted)
    out.push_back({{"Id", id}, {"Size", report.deleted.size() == 1 ? report.reclaimed : 0}});
  return out;
}

json import_json(const core::LoadedImage& image) { return {{"Id", "sha256:" + image.id}}; }

json load_json(const std::vector<core::LoadedImage>& images) {
  json names = json::array();
  for (const auto& image : images) {
    if (image.names.empty()) names.push_back("sha256:" + image.id);
    for (const auto& name : image.names) names.push_back(name);
  }
  return {{"Names", std::move(names)}};
}

json df_json(const std::vector<std::shared_ptr<const core::Image>>& images) {
  json rows = json::array();
  for (const auto& image : images) {
    std::string repo = "<none>", tag = "<none>";
    if (!image->tags.empty()) {
      const auto& name = image->tags.front();
      auto colon = name.rfind(':');
      auto slash = name.rfind('/');
      if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
        repo = name.substr(0, colon);
        tag = name.substr(colon + 1);
      } else {
        repo = name;
      }
    }
    rows.push_back({{"Repository", repo},
                    {"Tag", tag},
                    {"ImageID", image->id},
                    {"Created", compat::shapes::rfc3339_nano(image->created_ns)},
                    {"Size", image->size},
                    {"SharedSize", 0},
                    {"UniqueSize", image->size},
                    {"Containers", 0}});
  }
  return {{"Images", std::move(rows)}, {"Containers", json::array()}, {"Volumes", json::array()}};
}

}  // namespace berth::api::shapes
