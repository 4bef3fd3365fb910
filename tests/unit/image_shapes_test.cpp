// Image shapes of both trees against podman 4.3.1's recorded answers (tests/golden/podman-4.3.1/images_*): same
// keys, same JSON types; the layer tree text byte for byte.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api/shapes/images.hpp"
#include "compat/shapes/images.hpp"
#include "compat/shapes/transfer.hpp"
#include "tests/unit/golden_shape.hpp"

using nlohmann::json;
namespace core = berth::core;
namespace compat_shapes = berth::compat::shapes;
namespace api_shapes = berth::api::shapes;
using berth::test::golden;

namespace {

// Objects whose keys are data (labels, graph-driver paths), not fields.
bool data_keys(const std::string& path) { return path.ends_with("/Labels") || path == "/GraphDriver/Data"; }

void check_shape(const json& want, const json& got) {
  std::vector<std::string> problems = berth::test::shape_problems(want, got, data_keys);
  INFO(got.dump(2));
  for (const auto& p : problems) INFO(p);
  CHECK(problems.empty());
  for (const auto& p : problems) WARN(p);
}

// The busybox image podman imported for the goldens, as our store would hold it.
core::Image busybox() {
  core::Image img;
  img.id = "68cee8f5794a1086d4c3d6b29fbc047eac86ba5c00f949ce9a13a45ee10657f6";
  img.tags = {"docker.io/library/busybox:latest"};
  img.digests = {"docker.io/library/busybox@sha256:c8d44fd2330b110464ea77b3d35c70a02b6924ab5df967a5571701af90f21b0b"};
  img.manifest_digest = "sha256:c8d44fd2330b110464ea77b3d35c70a02b6924ab5df967a5571701af90f21b0b";
  img.manifest_media_type = "application/vnd.oci.image.manifest.v1+json";
  img.created_ns = 1795833758531327296;
  img.size = 1987677;
  img.architecture = "amd64";
  img.os = "linux";
  img.comment = "imported msg";
  img.config.cmd = std::vector<std::string>{"sh"};
  img.config.labels = {{"a", "b"}};
  img.history.push_back({.created_ns = img.created_ns,
                         .created_by = "/bin/sh -c #(nop) ADD file:e0aea16df8dd in /",
                         .comment = "imported msg"});
  img.layers.push_back({.diff_id = "sha256:e0aea16df8ddcdac91d580796617a0c9dc52b22b5163c1713e265fc5dcb97cfd",
                        .chain_id = "sha256:e0aea16df8ddcdac91d580796617a0c9dc52b22b5163c1713e265fc5dcb97cfd",
                        .size = 1986560,
                        .dir_id = 1});
  return img;
}

core::Image dangling() {
  auto img = busybox();
  img.id = "61b1947db116147b32a345f217f3f3b24ac26825e792f1ed7e5a54033cfcade4";
  img.tags.clear();
  img.digests.clear();
  img.config.labels.clear();
  return img;
}

core::Image other() {
  auto img = busybox();
  img.id = "43e27df931abdd0c8442d1afaa53cb4e899df4600c1532c351bfb814d38a167b";
  img.tags = {"docker.io/library/other:latest"};
  return img;
}

}  // namespace

TEST_CASE("image list summaries match podman's in both trees", "[shapes][images]") {
  for (auto [file, prefixed] :
       {std::pair{"images_compat_list_dangling.json", true}, std::pair{"images_libpod_list_dangling.json", false}}) {
    INFO(file);
    auto g = golden(file);
    check_shape(g[1], compat_shapes::image_summary_json(busybox(), prefixed));  // [1] has labels
    check_shape(g[2], compat_shapes::image_summary_json(dangling(), prefixed));
    CHECK(compat_shapes::image_summary_json(busybox(), prefixed)["Id"].get<std::string>().rfind("sha256:", 0) ==
          (prefixed ? 0u : std::string::npos));
  }
}

TEST_CASE("image inspect matches podman's in both trees", "[shapes][images]") {
  auto img = busybox();
  check_shape(golden("images_compat_inspect.json"), compat_shapes::image_inspect_json(img, "/var/lib/berth"));
  check_shape(golden("images_libpod_inspect.json"), api_shapes::image_data_json(img, "/var/lib/berth"));
  auto gd = compat_shapes::image_inspect_json(img, "/r")["GraphDriver"];
  CHECK(gd["Data"]["UpperDir"] == "/r/layers/1/diff");
  CHECK(!gd["Data"].contains("LowerDir"));
  img.layers.insert(img.layers.begin(), core::ImageLayer{.diff_id = "sha256:aa", .chain_id = "sha256:aa", .dir_id = 7});
  img.layers.insert(img.layers.begin(), core::ImageLayer{.diff_id = "sha256:bb", .chain_id = "sha256:bb", .dir_id = 3});
  CHECK(compat_shapes::graph_driver_json(img, "/r")["Data"]["LowerDir"] == "/r/layers/7/diff:/r/layers/3/diff");
}

TEST_CASE("the docker config of an image has podman's nulls and omitted fields", "[shapes][images]") {
  auto img = busybox();
  auto cfg = compat_shapes::image_inspect_json(img, "/r")["Config"];
  CHECK(cfg["Env"].is_null());
  CHECK(cfg["Entrypoint"].is_null());
  CHECK(!cfg.contains("ExposedPorts"));
  img.config.exposed_ports = {"80/tcp"};
  img.config.volumes = {"/data"};
  cfg = compat_shapes::image_inspect_json(img, "/r")["Config"];
  CHECK(cfg["ExposedPorts"] == json{{"80/tcp", json::object()}});
  CHECK(cfg["Volumes"] == json{{"/data", json::object()}});
  CHECK(api_shapes::oci_config_json(img.config) == json{{"Cmd", {"sh"}},
                                                        {"ExposedPorts", {{"80/tcp", json::object()}}},
                                                        {"Labels", {{"a", "b"}}},
                                                        {"Volumes", {{"/data", json::object()}}}});
}

TEST_CASE("image history matches podman's", "[shapes][images]") {
  std::vector<core::ImageHistoryItem> items = {
      {.id = busybox().id, .created_ns = 1795833758000000000, .created_by = "ADD", .size = 1986560},
      {.id = "", .created_ns = 1, .created_by = "CMD", .tags = {"a:b"}}};
  auto out = compat_shapes::history_json(items, false);
  check_shape(golden("images_compat_history.json"), out);
  check_shape(golden("images_libpod_history.json"), out);
  CHECK(out[0]["Tags"].is_null());
  CHECK(out[1]["Id"] == "<missing>");
  CHECK(out[0]["Created"] == 1795833758);
}

TEST_CASE("remove, prune, import and load replies match podman's", "[shapes][images]") {
  core::ImageRemoveReport report{
      .untagged = {"docker.io/library/other:latest"}, .deleted = {other().id}, .reclaimed = 5};
  auto removed = compat_shapes::remove_json(report);
  auto want = golden("images_compat_remove.json");
  // docker's order and forms (podman sends the deleted ID first, bare, and the full name).
  check_shape(json::array({want[1]}), json::array({removed[0]}));
  check_shape(json::array({want[0]}), json::array({removed[1]}));
  CHECK(removed[0] == json{{"Untagged", "other:latest"}});
  CHECK(removed[1] == json{{"Deleted", "sha256:" + other().id}});
  // docker also lists what the prune untagged (podman does not), as {"Untagged": name} entries before the IDs.
  check_shape(golden("images_compat_prune.json"), compat_shapes::prune_json({.deleted = report.deleted}));
  CHECK(compat_shapes::prune_json(report)["ImagesDeleted"][0] == json{{"Untagged", "other:latest"}});
  check_shape(golden("images_compat_prune_empty.json"), compat_shapes::prune_json({}));
  CHECK(compat_shapes::prune_json({})["ImagesDeleted"] == json::array());
  // docker's one status message; podman repeats it as "id", which the docker CLI then prints twice.
  CHECK(compat_shapes::import_json({.id = other().id}) == json{{"status", "sha256:" + other().id}});
  check_shape(golden("images_libpod_import.json"), api_shapes::import_json({.id = other().id}));

  auto lines = compat_shapes::load_lines(
      {{.id = busybox().id, .names = {"docker.io/library/busybox:latest"}}, {.id = dangling().id, .names = {}}});
  std::istringstream in(lines);
  std::string line;
  std::vector<json> docs;
  while (std::getline(in, line)) docs.push_back(json::parse(line));
  REQUIRE(docs.size() == 2);
  check_shape(golden("images_compat_load.json"), docs[0]);
  CHECK(docs[0]["stream"] == "Loaded image: busybox:latest\n");
  CHECK(docs[1]["stream"] == "Loaded image ID: sha256:" + dangling().id + "\n");
  check_shape(golden("images_libpod_load.json"),
              api_shapes::load_json({{.id = busybox().id, .names = busybox().tags}}));

  check_shape(golden("images_libpod_remove.json"), api_shapes::remove_report_json(report, {}, 0, false));
  check_shape(golden("images_libpod_remove_batch.json"), api_shapes::remove_report_json(report, {}, 0, true));
  CHECK(api_shapes::remove_report_json(report, {}, 0, true)["Errors"].is_null());
  check_shape(golden("images_libpod_remove_batch_404.json"),
              api_shapes::remove_report_json({}, {"nope: image not known"}, 1, true));
  check_shape(golden("images_libpod_prune.json"), api_shapes::prune_json(report));
}

TEST_CASE("the libpod layer tree is podman's text", "[shapes][images]") {
  auto img = busybox();
  img.layers[0].size = 1987000;  // podman's layer size for this import, which rounds to 1.987MB
  std::vector<std::shared_ptr<const core::Image>> all = {std::make_shared<core::Image>(img),
                                                         std::make_shared<core::Image>(other())};
  CHECK(json{{"Tree", api_shapes::image_tree(img, all)}} == golden("images_libpod_tree.json"));
  CHECK(compat_shapes::human_size(0) == "0B");
  CHECK(compat_shapes::human_size(1095) == "1.095kB");
  CHECK(compat_shapes::human_size(1987677) == "1.988MB");
}

TEST_CASE("/system/df image parts match podman's in both trees", "[shapes][images]") {
  std::vector<std::shared_ptr<const core::Image>> images = {std::make_shared<core::Image>(busybox()),
                                                            std::make_shared<core::Image>(dangling())};
  auto compat_df = compat_shapes::df_json(images, {.total_size = 10});
  check_shape(golden("images_compat_df.json"), compat_df);
  CHECK(compat_df["LayersSize"] == 10);
  auto libpod_df = api_shapes::df_json(images);
  check_shape(golden("images_libpod_df_dangling.json"), libpod_df);
  CHECK(libpod_df["Images"][0]["Repository"] == "docker.io/library/busybox");
  CHECK(libpod_df["Images"][0]["Tag"] == "latest");
  CHECK(libpod_df["Images"][1]["Repository"] == "<none>");
}
