// Docker-tree image shapes, key for key as podman 4.3.1 answers (tests/golden/podman-4.3.1/images_compat_*).
#include "compat/shapes/images.hpp"

#include <cstdio>
#include <ctime>

#include "core/error.hpp"
#include "core/images/reference.hpp"
#include "core/time.hpp"

namespace berth::compat::shapes {
namespace {

using nlohmann::json;

// Go nil slices and maps are null; podman sends many of them.
json strings_or_null(const std::vector<std::string>& v) { return v.empty() ? json(nullptr) : json(v); }
json labels_or_null(const std::map<std::string, std::string>& m) { return m.empty() ? json(nullptr) : json(m); }
json optional_strings(const std::optional<std::vector<std::string>>& v) { return v ? json(*v) : json(nullptr); }

// A Go map[string]struct{} as JSON: {"80/tcp":{}}.
json set_json(const std::vector<std::string>& keys) {
  json out = json::object();
  for (const auto& k : keys) out[k] = json::object();
  return out;
}

// docker prints names relative to docker.io ("busybox:latest", "foo/bar@sha256:..."); podman's compat layer sends
// full names, which makes `docker images` show "docker.io/library/busybox". Docker clients get docker's form.
std::string familiar(const std::string& full) {
  try {
    return core::images::parse_reference(full).familiar();
  } catch (const core::Error&) {
    return full;
  }
}

std::vector<std::string> familiar(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back(familiar(n));
  return out;
}

std::string layer_dir(std::string_view root, const core::ImageLayer& layer, std::string_view leaf) {
  return std::string(root) + "/layers/" + std::to_string(layer.dir_id) + "/" + std::string(leaf);
}

// docker's container.Config with what an image can set; podman fills the rest with zero values.
json docker_config_json(const core::ImageRunConfig& c) {
  json out = {{"Hostname", ""},       {"Domainname", ""},      {"User", c.user},
              {"AttachStdin", false}, {"AttachStdout", false}, {"AttachStderr", false}};
  if (!c.exposed_ports.empty()) out["ExposedPorts"] = set_json(c.exposed_ports);
  out["Tty"] = false;
  out["OpenStdin"] = false;
  out["StdinOnce"] = false;
  out["Env"] = strings_or_null(c.env);
  out["Cmd"] = optional_strings(c.cmd);
  if (c.healthcheck_test) out["Healthcheck"] = {{"Test", *c.healthcheck_test}};
  out["Image"] = "";
  out["Volumes"] = c.volumes.empty() ? json(nullptr) : set_json(c.volumes);
  out["WorkingDir"] = c.working_dir;
  out["Entrypoint"] = optional_strings(c.entrypoint);
  out["OnBuild"] = strings_or_null(c.on_build);
  out["Labels"] = labels_or_null(c.labels);
  if (!c.stop_signal.empty()) out["StopSignal"] = c.stop_signal;
  if (!c.shell.empty()) out["Shell"] = c.shell;
  return out;
}

// podman's ContainerConfig of an image: an empty config whose Hostname is the short ID.
json container_config_json(const core::Image& image) {
  core::ImageRunConfig empty;
  json out = docker_config_json(empty);
  out["Hostname"] = image.id.substr(0, 11);
  return out;
}

}  // namespace

std::string rfc3339_nano(std::int64_t unix_ns) { return core::format_rfc3339_ns(unix_ns); }

json image_summary_json(const core::Image& image, bool docker_tree, std::size_t containers) {
  bool dangling = image.tags.empty();
  json out = {{"Id", docker_tree ? "sha256:" + image.id : image.id},
              {"ParentId", image.parent_id},
              {"RepoTags", strings_or_null(docker_tree ? familiar(image.tags) : image.tags)},
              {"RepoDigests", docker_tree ? familiar(image.digests) : image.digests},
              {"Created", image.created_ns / 1000000000},
              {"Size", image.size},
              {"SharedSize", 0},
              {"VirtualSize", image.size},
              {"Labels", labels_or_null(image.config.labels)},
              {"Containers", containers}};
  // Go omitempty fields: absent when false or empty.
  if (dangling) out["Dangling"] = true;
  if (!image.tags.empty()) out["Names"] = image.tags;
  if (!image.manifest_digest.empty()) out["Digest"] = image.manifest_digest;
  if (!image.tags.empty()) out["History"] = image.tags;
  return out;
}

json graph_driver_json(const core::Image& image, std::string_view root) {
  json data = json::object();
  if (!image.layers.empty()) {
    const auto& top = image.layers.back();
    std::string lower;
    for (auto it = image.layers.rbegin() + 1; it != image.layers.rend(); ++it) {
      if (!lower.empty()) lower += ':';
      lower += layer_dir(root, *it, "diff");
    }
    if (!lower.empty()) data["LowerDir"] = lower;
    data["UpperDir"] = layer_dir(root, top, "diff");
    data["WorkDir"] = layer_dir(root, top, "work");
  }
  return {{"Data", std::move(data)}, {"Name", "overlay"}};
}

json image_inspect_json(const core::Image& image, std::string_view root) {
  json layers = json::array();
  for (const auto& l : image.layers) layers.push_back(l.diff_id);
  json out = {{"Id", "sha256:" + image.id},
              {"RepoTags", familiar(image.tags)},
              {"RepoDigests", familiar(image.digests)},
              {"Parent", image.parent_id},
              {"Comment", image.comment},
              {"Created", rfc3339_nano(image.created_ns)},
              {"Container", ""},
              {"ContainerConfig", container_config_json(image)},
              {"DockerVersion", image.docker_version},
              {"Author", image.author},
              {"Config", docker_config_json(image.config)},
              {"Architecture", image.architecture}};
  if (!image.variant.empty()) out["Variant"] = image.variant;
  out["Os"] = image.os;
  out["Size"] = image.size;
  out["VirtualSize"] = image.size;
  out["GraphDriver"] = graph_driver_json(image, root);
  out["RootFS"] = {{"Type", "layers"}, {"Layers", std::move(layers)}};
  out["Metadata"] = {{"LastTagTime", "0001-01-01T00:00:00Z"}};
  return out;
}

json history_json(const std::vector<core::ImageHistoryItem>& items, bool docker_tree) {
  json out = json::array();
  for (const auto& h : items)
    out.push_back({{"Id", h.id.empty() ? "<missing>" : (docker_tree ? "sha256:" : "") + h.id},
                   {"Created", h.created_ns / 1000000000},
                   {"CreatedBy", h.created_by},
                   {"Tags", strings_or_null(docker_tree ? familiar(h.tags) : h.tags)},
                   {"Size", h.size},
                   {"Comment", h.comment}});
  return out;
}

// docker's order and forms: the names untagged first, then the deleted IDs with their "sha256:" prefix.
json remove_json(const core::ImageRemoveReport& report) {
  json out = json::array();
  for (const auto& name : report.untagged) out.push_back({{"Untagged", familiar(name)}});
  for (const auto& id : report.deleted) out.push_back({{"Deleted", "sha256:" + id}});
  return out;
}

json prune_json(const core::ImageRemoveReport& report) {
  json deleted = remove_json(report);
  return {{"ImagesDeleted", std::move(deleted)}, {"SpaceReclaimed", report.reclaimed}};
}

// docker's one status message. podman also sets "id" to the same text, which makes the docker CLI print
// "sha256:…: sha256:…".
json import_json(const core::LoadedImage& image) { return {{"status", "sha256:" + image.id}}; }

std::string load_lines(const std::vector<core::LoadedImage>& images) {
  std::string out;
  auto line = [&out](const std::string& text) { out += json{{"stream", text + "\n"}}.dump() + "\n"; };
  for (const auto& image : images) {
    if (image.names.empty()) line("Loaded image ID: sha256:" + image.id);
    for (const auto& name : image.names) line("Loaded image: " + familiar(name));
  }
  return out;
}

json df_json(const std::vector<std::shared_ptr<const core::Image>>& images, const core::ImageDiskUsage& usage) {
  json list = json::array();
  for (const auto& image : images)
    list.push_back({{"Containers", 0},
                    {"Created", image->created_ns / 1000000000},
                    {"Id", "sha256:" + image->id},
                    {"Labels", image->config.labels.empty() ? json::object() : json(image->config.labels)},
                    {"ParentId", image->parent_id},
                    {"RepoDigests", familiar(image->digests)},
                    {"RepoTags", familiar(image->tags)},
                    {"SharedSize", 0},
                    {"Size", image->size},
                    {"VirtualSize", image->size}});
  return {{"LayersSize", usage.total_size}, {"Images", std::move(list)},   {"Containers", json::array()},
          {"Volumes", json::array()},       {"BuildCache", json::array()}, {"BuilderSize", 0}};
}

}  // namespace berth::compat::shapes
