// ImageService pull/push/login against a real docker-registry (tests/support/registry): events, platform choice,
// digests, skipping, verification failures leaving nothing behind, push round trips and credentials.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/images/service.hpp"
#include "tests/integration/image_fixtures.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/registry.hpp"
#include "tests/unit/image_test_support.hpp"

using berth::core::Errc;
using berth::core::Error;
using berth::core::TransferEvent;
using berth::core::images::PullOptions;
using berth::core::images::PullPolicy;
using berth::core::images::PushOptions;
using berth::core::images::ShortNamePolicy;
using berth::test::ImageFixture;
using berth::test::PushImageOptions;
using berth::test::RegistryAuth;
using berth::test::TarEntry;
using berth::test::TestRegistry;
using Kind = TransferEvent::Kind;

using berth::test::code_of;
using berth::test::error_of;

namespace {

struct Recorder {
  std::vector<TransferEvent> events;
  berth::core::images::TransferEmit emit() {
    return [this](TransferEvent e) { events.push_back(std::move(e)); };
  }
  std::vector<std::string> statuses(Kind kind) const {
    std::vector<std::string> out;
    for (const auto& e : events)
      if (e.kind == kind) out.push_back(kind == Kind::layer ? e.id + ": " + e.status : e.status);
    return out;
  }
  bool has(Kind kind, const std::string& text) const {
    for (const auto& s : statuses(kind))
      if (s == text) return true;
    return false;
  }
  const TransferEvent& done() const {
    REQUIRE(!events.empty());
    REQUIRE(events.back().kind == Kind::done);
    return events.back();
  }
};

PullOptions pull_of(const std::string& ref) {
  PullOptions o;
  o.reference = ref;
  o.tls_verify = false;
  return o;
}

std::string hex(const std::string& digest) { return digest.substr(7); }

std::size_t blob_count(const ImageFixture& fx) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(fx.root() + "/blobs/sha256")) ++n;
  return n;
}

// Entries of $ROOT/layers: numbered layer dirs and tmp-* staging debris.
std::vector<std::string> layer_dirs(const ImageFixture& fx) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(fx.root() + "/layers"))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("pull by tag: docker's layer events, the image, then up to date", "[pull]") {
  TestRegistry reg;
  auto pushed = reg.push_image("library/bbtest", "latest", {.layers = 2});
  ImageFixture fx;
  berth::core::sys::CancelToken cancel;
  Recorder rec;
  std::string name = reg.host() + "/library/bbtest:latest";
  fx.svc().pull(pull_of(name), rec.emit(), cancel);

  std::string l1 = hex(pushed.layer_digests[0]).substr(0, 12);
  std::string l2 = hex(pushed.layer_digests[1]).substr(0, 12);
  auto layers = rec.statuses(Kind::layer);
  REQUIRE(layers.size() >= 8);
  CHECK(layers[0] == l1 + ": Pulling fs layer");
  CHECK(layers[1] == l2 + ": Pulling fs layer");
  for (const auto& id : {l1, l2}) {
    CHECK(rec.has(Kind::layer, id + ": Download complete"));
    CHECK(rec.has(Kind::layer, id + ": Extracting"));
    CHECK(rec.has(Kind::layer, id + ": Pull complete"));
  }
  CHECK(rec.has(Kind::message, "Trying to pull " + name + "..."));
  CHECK(rec.has(Kind::message, "Copying blob " + pushed.layer_digests[0]));
  CHECK(rec.has(Kind::message, "Digest: " + pushed.manifest_digest));
  CHECK(rec.has(Kind::message, "Status: Downloaded newer image for " + name));
  const auto& done = rec.done();
  REQUIRE(done.image_ids.size() == 1);
  CHECK(done.image_ids[0] == hex(pushed.config_digest));
  CHECK(done.digest == pushed.manifest_digest);

  auto img = fx.svc().inspect(name, ShortNamePolicy::docker);
  CHECK(img->id == hex(pushed.config_digest));
  CHECK(img->manifest_digest == pushed.manifest_digest);
  REQUIRE(img->layers.size() == 2);
  CHECK(img->layers[1].diff_id == pushed.diff_ids[1]);
  CHECK(img->layers[1].blob_digest == pushed.layer_digests[1]);
  CHECK(img->layers[1].blob_media_type == "application/vnd.oci.image.layer.v1.tar+gzip");
  CHECK(std::filesystem::exists(fx.root() + "/blobs/sha256/" + hex(pushed.manifest_digest)));
  // Each layer was extracted as it downloaded: its files are in its own dir, nothing is left staged.
  std::string top = fx.root() + "/layers/" + std::to_string(img->layers[1].dir_id) + "/diff";
  CHECK(read_file(top + "/hello.txt") == "hello from berth\n");
  CHECK(std::filesystem::file_size(fx.root() + "/layers/" + std::to_string(img->layers[0].dir_id) +
                                   "/diff/bin/busybox") == std::filesystem::file_size("/bin/busybox"));
  CHECK(layer_dirs(fx).size() == 2);
  auto actions = fx.sink.actions();
  CHECK(std::find(actions.begin(), actions.end(), "pull") != actions.end());

  Recorder again;
  fx.svc().pull(pull_of(name), again.emit(), cancel);
  CHECK(again.statuses(Kind::layer).empty());
  CHECK(again.has(Kind::message, "Status: Image is up to date for " + name));
  CHECK(again.done().image_ids == done.image_ids);

  // Policy "missing" does not ask the registry once the image is here.
  reg.stop();
  Recorder local;
  auto opts = pull_of(name);
  opts.pull_policy = PullPolicy::missing;
  fx.svc().pull(opts, local.emit(), cancel);
  CHECK(local.events.size() == 1);
  CHECK(local.done().image_ids == done.image_ids);
}

TEST_CASE("pull of zstd and uncompressed layers: verified and extracted like gzip ones", "[pull]") {
  TestRegistry reg;
  berth::core::sys::CancelToken cancel;
  for (std::string how : {"zstd", "none"}) {
    INFO(how);
    ImageFixture fx;  // the config does not name blobs: both pushes are one image ID
    auto pushed = reg.push_image("library/" + how, "1", {.oci = true, .layers = 2, .compression = how});
    Recorder rec;
    fx.svc().pull(pull_of(reg.host() + "/library/" + how + ":1"), rec.emit(), cancel);
    auto img = fx.svc().inspect(hex(pushed.config_digest), ShortNamePolicy::docker);
    REQUIRE(img->layers.size() == 2);
    CHECK(img->layers[1].blob_digest == pushed.layer_digests[1]);
    CHECK(img->layers[1].diff_id == pushed.diff_ids[1]);
    CHECK(img->layers[1].blob_media_type ==
          (how == "zstd" ? "application/vnd.oci.image.layer.v1.tar+zstd" : "application/vnd.oci.image.layer.v1.tar"));
    CHECK(read_file(fx.root() + "/layers/" + std::to_string(img->layers[1].dir_id) + "/diff/hello.txt") ==
          "hello from berth\n");
    CHECK(rec.has(Kind::layer, hex(pushed.layer_digests[1]).substr(0, 12) + ": Pull complete"));
    CHECK(layer_dirs(fx).size() == 2);
  }
}

TEST_CASE("pull skips layers another image already brought", "[pull]") {
  TestRegistry reg;
  auto one = reg.push_image("library/one", "latest", {.layers = 1});
  auto two = reg.push_image("library/two", "latest", {.layers = 2});
  ImageFixture fx;
  berth::core::sys::CancelToken cancel;
  Recorder first, second;
  fx.svc().pull(pull_of(reg.host() + "/library/one"), first.emit(), cancel);
  fx.svc().pull(pull_of(reg.host() + "/library/two"), second.emit(), cancel);
  CHECK(second.has(Kind::layer, hex(two.layer_digests[0]).substr(0, 12) + ": Already exists"));
  CHECK(second.has(Kind::layer, hex(two.layer_digests[1]).substr(0, 12) + ": Pull complete"));
  CHECK(one.layer_digests[0] == two.layer_digests[0]);
}

TEST_CASE("pull from a list picks the platform, by digest records repo@digest", "[pull]") {
  TestRegistry reg;
  auto pushed = reg.push_image("library/multi", "1", {.oci = true, .index = true});
  ImageFixture fx;
  berth::core::sys::CancelToken cancel;
  std::string repo = reg.host() + "/library/multi";

  Recorder amd;
  fx.svc().pull(pull_of(repo + ":1"), amd.emit(), cancel);
  CHECK(amd.done().image_ids[0] == hex(pushed.config_digest));
  CHECK(amd.done().digest == pushed.manifest_digest);
  auto img = fx.svc().inspect(repo + ":1", ShortNamePolicy::docker);
  CHECK(img->architecture == "amd64");
  CHECK(img->manifest_media_type == "application/vnd.oci.image.manifest.v1+json");

  Recorder arm;
  auto opts = pull_of(repo + "@" + pushed.manifest_digest);
  opts.platform.architecture = "arm64";
  fx.svc().pull(opts, arm.emit(), cancel);
  auto arm_img = fx.svc().inspect(arm.done().image_ids[0], ShortNamePolicy::docker);
  CHECK(arm_img->architecture == "arm64");
  CHECK(std::find(arm_img->digests.begin(), arm_img->digests.end(), repo + "@" + pushed.manifest_digest) !=
        arm_img->digests.end());
  CHECK(arm.has(Kind::layer, hex(pushed.layer_digests[0]).substr(0, 12) + ": Already exists"));

  auto s390 = pull_of(repo + ":1");
  s390.platform.architecture = "s390x";
  try {
    fx.svc().pull(s390, Recorder().emit(), cancel);
    FAIL("pulled s390x");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::not_found);
    CHECK(std::string(e.what()).find("no image found in manifest list for architecture s390x") != std::string::npos);
  }
}

TEST_CASE("failed pulls leave no image and no blobs", "[pull]") {
  TestRegistry reg;
  auto pushed = reg.push_image("library/broken", "latest");
  ImageFixture fx;
  berth::core::sys::CancelToken cancel;
  std::size_t before = blob_count(fx);
  CHECK(code_of([&] { fx.svc().pull(pull_of(reg.host() + "/library/broken:nope"), Recorder().emit(), cancel); }) ==
        Errc::not_found);
  CHECK(code_of([&] { fx.svc().pull(pull_of(reg.host() + "/library/absent"), Recorder().emit(), cancel); }) ==
        Errc::not_found);

  // A layer whose bytes are not what its digest says.
  {
    std::string path = reg.blob_path(pushed.layer_digests[0]);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x55');
  }
  Recorder rec;
  CHECK(code_of([&] { fx.svc().pull(pull_of(reg.host() + "/library/broken"), rec.emit(), cancel); }) ==
        Errc::invalid_argument);
  CHECK(fx.svc().count() == 0);
  CHECK(blob_count(fx) == before);

  // A layer whose digest and diff_id are right but whose tar climbs out of its directory: refused while it is
  // extracted, naming the entry; nothing lands outside, no layer or staging dir stays, no blob is kept.
  // Its own registry: the one above now holds a corrupt busybox layer, which this image would share.
  TestRegistry clean;
  auto hostile =
      clean.push_image("library/hostile", "latest",
                       {.top_tar = berth::test::make_tar({{"ok.txt", TarEntry::Kind::file, "fine"},
                                                          {"../../escape.txt", TarEntry::Kind::file, "pwned"}})});
  try {
    fx.svc().pull(pull_of(clean.host() + "/library/hostile"), Recorder().emit(), cancel);
    FAIL("pulled a layer that escapes");
  } catch (const Error& e) {
    INFO(e.message());
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.message().find("escape.txt") != std::string::npos);
    CHECK(e.message().find(hostile.diff_ids.back()) != std::string::npos);
  }
  CHECK(fx.svc().count() == 0);
  CHECK(layer_dirs(fx).empty());
  CHECK(!std::filesystem::exists(fx.root() + "/escape.txt"));
  CHECK(!std::filesystem::exists(std::filesystem::path(fx.root()).parent_path() / "escape.txt"));
  CHECK(blob_count(fx) == before);

  berth::core::sys::CancelToken cancelled;
  cancelled.cancel();
  try {
    fx.svc().pull(pull_of(reg.host() + "/library/broken"), Recorder().emit(), cancelled);
    FAIL("pulled while cancelled");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::unavailable);
    CHECK(e.message() == "pull cancelled");
  }
  CHECK(blob_count(fx) == before);
}

TEST_CASE("push uploads gzipped layers, then skips them, the image pulls back the same", "[push]") {
  TestRegistry reg;
  ImageFixture fx;
  berth::core::sys::CancelToken cancel;
  auto loaded = fx.import_file("pushed content", "pushme:v1");
  std::string dest = reg.host() + "/team/pushme:v1";

  Recorder rec;
  PushOptions opts;
  opts.destination = dest;
  opts.tls_verify = false;
  fx.svc().push("pushme:v1", opts, rec.emit(), cancel);
  auto img = fx.svc().inspect(loaded.id, ShortNamePolicy::docker);
  std::string id = hex(img->layers[0].diff_id).substr(0, 12);
  auto layers = rec.statuses(Kind::layer);
  REQUIRE(!layers.empty());
  CHECK(layers.front() == id + ": Preparing");
  CHECK(layers.back() == id + ": Pushed");
  const auto& done = rec.done();
  CHECK(done.tag == "v1");
  CHECK(done.digest.starts_with("sha256:"));
  auto manifest = reg.request("GET", "/v2/team/pushme/manifests/v1", {},
                              {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"}});
  REQUIRE(manifest.status == 200);
  CHECK(manifest.body.size() == done.size);
  CHECK(berth::test::sha256_digest(manifest.body) == done.digest);
  CHECK(manifest.body.find("application/vnd.docker.image.rootfs.diff.tar.gzip") != std::string::npos);

  Recorder again;
  fx.svc().push("pushme:v1", opts, again.emit(), cancel);
  CHECK(again.has(Kind::layer, id + ": Layer already exists"));
  CHECK(again.done().digest == done.digest);

  // Another repository of the same registry: the layer is mounted from where the first push put it (no image
  // name points there; the daemon remembered it), and the manifest there is the same.
  opts.destination = reg.host() + "/elsewhere/copy:v1";
  Recorder mounted;
  fx.svc().push("pushme:v1", opts, mounted.emit(), cancel);
  CHECK(mounted.has(Kind::layer, id + ": Mounted from team/pushme"));
  CHECK(!mounted.has(Kind::layer, id + ": Pushed"));
  CHECK(mounted.done().digest == done.digest);
  auto copy_manifest = reg.request("GET", "/v2/elsewhere/copy/manifests/v1", {},
                                   {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"}});
  REQUIRE(copy_manifest.status == 200);
  std::string pushed_layer = nlohmann::json::parse(copy_manifest.body)["layers"][0]["digest"];
  CHECK(reg.request("HEAD", "/v2/elsewhere/copy/blobs/" + pushed_layer, {}, {}).status == 200);

  ImageFixture other;
  Recorder pulled;
  other.svc().pull(pull_of(dest), pulled.emit(), cancel);
  CHECK(pulled.done().image_ids[0] == loaded.id);
  CHECK(pulled.done().digest == done.digest);

  opts.format = "oci";
  opts.destination = reg.host() + "/team/pushme:oci";
  Recorder oci;
  fx.svc().push(loaded.id, opts, oci.emit(), cancel);
  auto oci_manifest = reg.request("GET", "/v2/team/pushme/manifests/oci", {},
                                  {{"Accept", "application/vnd.oci.image.manifest.v1+json"}});
  REQUIRE(oci_manifest.status == 200);
  CHECK(oci_manifest.body.find("application/vnd.oci.image.layer.v1.tar+gzip") != std::string::npos);
}

TEST_CASE("credentials: pull and login with Basic auth", "[pull]") {
  TestRegistry reg({.auth = RegistryAuth::htpasswd});
  reg.push_image("library/private", "latest");
  ImageFixture fx;
  berth::core::sys::CancelToken cancel;
  auto opts = pull_of(reg.host() + "/library/private");
  CHECK(code_of([&] { fx.svc().pull(opts, Recorder().emit(), cancel); }) == Errc::unauthorized);
  opts.credentials[reg.host()] = {.username = reg.user(), .password = reg.password()};
  Recorder rec;
  fx.svc().pull(opts, rec.emit(), cancel);
  CHECK(rec.done().image_ids.size() == 1);

  fx.svc().login(reg.host(), {.username = reg.user(), .password = reg.password()}, false);
  CHECK(code_of([&] { fx.svc().login(reg.host(), {.username = reg.user(), .password = "wrong"}, false); }) ==
        Errc::unauthorized);
}

TEST_CASE("podman short names try each search registry in order, all tags pulls every tag", "[pull]") {
  TestRegistry reg;
  auto latest = reg.push_image("short", "latest", {.layers = 1});
  auto two = reg.push_image("short", "two", {.layers = 2});
  ImageFixture fx;
  fx.config.registries.unqualified_search = {"127.0.0.1:1", reg.host()};
  fx.open();
  berth::core::sys::CancelToken cancel;

  Recorder rec;
  auto opts = pull_of("short");
  opts.policy = ShortNamePolicy::podman;
  fx.svc().pull(opts, rec.emit(), cancel);
  auto messages = rec.statuses(Kind::message);
  REQUIRE(messages.size() >= 2);
  CHECK(messages[0] == "Trying to pull 127.0.0.1:1/short:latest...");
  CHECK(messages[1] == "Trying to pull " + reg.host() + "/short:latest...");
  CHECK(rec.done().image_ids[0] == hex(latest.config_digest));

  Recorder all;
  opts.all_tags = true;
  opts.reference = reg.host() + "/short";
  fx.svc().pull(opts, all.emit(), cancel);
  auto ids = all.done().image_ids;
  CHECK(ids.size() == 2);
  CHECK(std::find(ids.begin(), ids.end(), hex(two.config_digest)) != ids.end());
  CHECK(fx.svc().exists(reg.host() + "/short:two", ShortNamePolicy::podman));
  opts.reference = reg.host() + "/short:two";
  CHECK(code_of([&] { fx.svc().pull(opts, Recorder().emit(), cancel); }) == Errc::invalid_argument);
}
