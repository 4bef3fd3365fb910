// core/images: parsing the four manifest kinds, platform selection from lists, push manifests, and the diff_id of a
// layer computed while it streams (DiffDigester).
#include "core/images/manifest.hpp"

#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/images/image_config.hpp"
#include "core/images/media_types.hpp"
#include "core/images/stream_digest.hpp"
#include "tests/support/error_of.hpp"
#include "tests/unit/image_test_support.hpp"

namespace mt = berth::core::images::media_types;
using berth::core::Errc;
using berth::core::Error;
using berth::core::images::build_manifest;
using berth::core::images::Compression;
using berth::core::images::DiffDigester;
using berth::core::images::Digest;
using berth::core::images::ManifestFormat;
using berth::core::images::ManifestPlatform;
using berth::core::images::parse_manifest;
using berth::core::images::PushLayer;
using berth::core::images::select_platform;
using berth::core::images::Sha256;
using berth::core::images::wanted_platform;
using nlohmann::json;

using berth::test::code_of;
using berth::test::error_of;

namespace {

std::string hex_of(char c) { return std::string(64, c); }
std::string digest_of(char c) { return "sha256:" + hex_of(c); }

json descriptor(std::string_view type, char d, std::uint64_t size) {
  return {{"mediaType", type}, {"digest", digest_of(d)}, {"size", size}};
}

json image_manifest(std::string_view type, std::string_view config_type, std::string_view layer_type) {
  return {{"schemaVersion", 2},
          {"mediaType", type},
          {"config", descriptor(config_type, 'c', 1469)},
          {"layers", json::array({descriptor(layer_type, 'a', 100), descriptor(layer_type, 'b', 200)})}};
}

json entry(char d, std::string os, std::string arch, std::string variant = "") {
  json p = {{"os", os}, {"architecture", arch}};
  if (!variant.empty()) p["variant"] = variant;
  json e = descriptor(mt::kDockerManifest, d, 525);
  e["platform"] = p;
  return e;
}

// Like docker.io/library/busybox's list, plus buildkit's attestation entry.
json busybox_list() {
  return {{"schemaVersion", 2},
          {"mediaType", mt::kDockerList},
          {"manifests", json::array({entry('1', "linux", "amd64"), entry('2', "linux", "arm", "v5"),
                                     entry('3', "linux", "arm", "v6"), entry('4', "linux", "arm", "v7"),
                                     entry('5', "linux", "arm64", "v8"), entry('6', "linux", "386"),
                                     entry('7', "unknown", "unknown")})}};
}

}  // namespace

TEST_CASE("docker schema2 and OCI image manifests parse", "[manifest]") {
  auto docker = parse_manifest(
      image_manifest(mt::kDockerManifest, mt::kDockerConfig, "application/vnd.docker.image.rootfs.diff.tar.gzip")
          .dump(),
      mt::kDockerManifest);
  CHECK_FALSE(docker.is_list);
  CHECK(docker.media_type == mt::kDockerManifest);
  CHECK(docker.config.digest.str() == digest_of('c'));
  CHECK(docker.config.size == 1469);
  REQUIRE(docker.layers.size() == 2);
  CHECK(docker.layers[1].digest.str() == digest_of('b'));
  CHECK(docker.layers[1].size == 200);
  CHECK(docker.layers[0].media_type == "application/vnd.docker.image.rootfs.diff.tar.gzip");

  // OCI made mediaType optional: the Content-Type, else the shape, decides.
  json oci = image_manifest(mt::kOciManifest, mt::kOciConfig, "application/vnd.oci.image.layer.v1.tar+zstd");
  oci.erase("mediaType");
  CHECK(parse_manifest(oci.dump(), mt::kOciManifest).media_type == mt::kOciManifest);
  auto by_shape = parse_manifest(oci.dump(), "application/json; charset=utf-8");
  CHECK(by_shape.media_type == mt::kOciManifest);
  CHECK(by_shape.layers[0].media_type == "application/vnd.oci.image.layer.v1.tar+zstd");
}

TEST_CASE("manifest lists and OCI indexes parse with their platforms", "[manifest]") {
  auto list = parse_manifest(busybox_list().dump(), mt::kDockerList);
  CHECK(list.is_list);
  REQUIRE(list.manifests.size() == 7);
  CHECK(list.manifests[3].platform.variant == "v7");
  CHECK(list.manifests[3].digest.str() == digest_of('4'));

  json index = {{"schemaVersion", 2}, {"manifests", json::array({entry('1', "linux", "amd64")})}};
  auto oci = parse_manifest(index.dump(), "");
  CHECK(oci.is_list);
  CHECK(oci.media_type == mt::kOciIndex);
}

TEST_CASE("bad and unsupported manifests are invalid_argument", "[manifest]") {
  CHECK(code_of([] { parse_manifest("not json", mt::kDockerManifest); }) == Errc::invalid_argument);
  CHECK(code_of([] { parse_manifest("[]", mt::kDockerManifest); }) == Errc::invalid_argument);
  CHECK(code_of([] { parse_manifest(R"({"schemaVersion":1,"name":"x","fsLayers":[]})", ""); }) ==
        Errc::invalid_argument);
  CHECK(code_of([] { parse_manifest(R"({"schemaVersion":2,"mediaType":"application/x-unknown"})", ""); }) ==
        Errc::invalid_argument);
  json bad_digest = image_manifest(mt::kOciManifest, mt::kOciConfig, "application/vnd.oci.image.layer.v1.tar");
  bad_digest["layers"][0]["digest"] = "md5:abc";
  CHECK(code_of([&] { parse_manifest(bad_digest.dump(), ""); }) == Errc::invalid_argument);
  json no_size = image_manifest(mt::kOciManifest, mt::kOciConfig, "application/vnd.oci.image.layer.v1.tar");
  no_size["config"].erase("size");
  CHECK(code_of([&] { parse_manifest(no_size.dump(), ""); }) == Errc::invalid_argument);
}

TEST_CASE("the wanted platform defaults to the host and normalises aliases", "[manifest]") {
  ManifestPlatform host = wanted_platform({});
  CHECK(host.os == "linux");
  CHECK(host.architecture == berth::core::images::host_architecture());
  CHECK(wanted_platform({"", "x86_64", ""}).architecture == "amd64");
  ManifestPlatform arm = wanted_platform({"", "arm", ""});
  CHECK(arm.variant == "v7");
  ManifestPlatform aarch = wanted_platform({"linux", "aarch64", ""});
  CHECK(aarch.architecture == "arm64");
}

TEST_CASE("platform selection picks docker's and podman's entry", "[manifest]") {
  auto list = parse_manifest(busybox_list().dump(), mt::kDockerList);
  CHECK(select_platform(list, wanted_platform({"linux", "amd64", ""})).digest.str() == digest_of('1'));
  CHECK(select_platform(list, wanted_platform({"", "arm64", ""})).digest.str() == digest_of('5'));
  CHECK(select_platform(list, wanted_platform({"", "arm", ""})).digest.str() == digest_of('4'));
  CHECK(select_platform(list, wanted_platform({"", "arm", "v6"})).digest.str() == digest_of('3'));
  CHECK(select_platform(list, wanted_platform({"", "i386", ""})).digest.str() == digest_of('6'));

  // An arm v7 host runs v6 images when no v7 one exists.
  json only_v6 = {{"schemaVersion", 2},
                  {"mediaType", mt::kOciIndex},
                  {"manifests", json::array({entry('5', "linux", "arm", "v5"), entry('3', "linux", "arm", "v6")})}};
  auto v6 = parse_manifest(only_v6.dump(), "");
  CHECK(select_platform(v6, wanted_platform({"", "arm", "v7"})).digest.str() == digest_of('3'));

  // With no variant asked for, an entry without one beats amd64/v3.
  json variants = {{"schemaVersion", 2},
                   {"manifests", json::array({entry('3', "linux", "amd64", "v3"), entry('1', "linux", "amd64")})}};
  CHECK(select_platform(parse_manifest(variants.dump(), ""), wanted_platform({"", "amd64", ""})).digest.str() ==
        digest_of('1'));
}

TEST_CASE("no matching platform is not_found with podman's text", "[manifest]") {
  auto list = parse_manifest(busybox_list().dump(), mt::kDockerList);
  try {
    select_platform(list, wanted_platform({"linux", "s390x", ""}));
    FAIL("selected a platform");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::not_found);
    CHECK(e.message() == "no image found in manifest list for architecture s390x, variant \"\", OS linux");
  }
  CHECK(code_of([&] { select_platform(list, wanted_platform({"windows", "amd64", ""})); }) == Errc::not_found);
}

TEST_CASE("push manifests are valid docker schema2 and OCI documents", "[manifest]") {
  Digest config = Digest::parse(digest_of('c'));
  std::vector<PushLayer> layers{
      {Digest::parse(digest_of('a')), 100, "application/vnd.docker.image.rootfs.diff.tar.gzip"},
      {Digest::parse(digest_of('b')), 200, "application/vnd.docker.image.rootfs.diff.tar.gzip"}};
  auto docker = build_manifest(ManifestFormat::docker, config, 1469, layers);
  CHECK(docker.media_type == mt::kDockerManifest);
  CHECK(docker.digest == Sha256::of(docker.bytes));
  json j = json::parse(docker.bytes);
  CHECK(j["schemaVersion"] == 2);
  CHECK(j["mediaType"] == mt::kDockerManifest);
  CHECK(j["config"]["mediaType"] == mt::kDockerConfig);
  CHECK(j["config"]["size"] == 1469);
  CHECK(j["config"]["digest"] == digest_of('c'));
  REQUIRE(j["layers"].size() == 2);
  CHECK(j["layers"][1]["digest"] == digest_of('b'));
  CHECK(j["layers"][1]["size"] == 200);
  // docker's key order, so the document reads like the ones docker pushes.
  CHECK(docker.bytes.find("schemaVersion") < docker.bytes.find("\"config\""));

  // What we build, we parse back.
  auto back = parse_manifest(docker.bytes, docker.media_type);
  CHECK(back.config.digest == config);
  CHECK(back.layers[0].size == 100);

  layers[0].media_type = layers[1].media_type = "application/vnd.oci.image.layer.v1.tar+gzip";
  auto oci = build_manifest(ManifestFormat::oci, config, 1469, layers);
  CHECK(oci.media_type == mt::kOciManifest);
  json o = json::parse(oci.bytes);
  CHECK(o["mediaType"] == mt::kOciManifest);
  CHECK(o["config"]["mediaType"] == mt::kOciConfig);
  CHECK(o["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip");
  CHECK(oci.digest == Sha256::of(oci.bytes));
}

TEST_CASE("a streamed layer's diff_id is computed as its bytes arrive", "[manifest]") {
  std::string tar = berth::test::make_image_tar({{"etc/hello", std::string(300000, 'x')}});
  std::string gz = berth::test::make_image_tar({{"etc/hello", std::string(300000, 'x')}}, true);
  Digest diff_id = Sha256::of(tar);

  auto feed = [](const std::string& bytes, std::size_t chunk) {
    DiffDigester d;
    for (std::size_t off = 0; off < bytes.size(); off += chunk) d.feed(std::string_view(bytes).substr(off, chunk));
    auto out = d.finish();
    return std::make_pair(out, d.compression());
  };
  // Chunks smaller than the magic bytes, and larger than the hand-over queue is deep.
  for (std::size_t chunk : {std::size_t{1}, std::size_t{4096}, std::size_t{1} << 20}) {
    auto [plain, pc] = feed(tar, chunk);
    CHECK(pc == Compression::none);
    CHECK(plain == diff_id);
    auto [gzip, gc] = feed(gz, chunk);
    CHECK(gc == Compression::gzip);
    CHECK(gzip == diff_id);
  }

  // A broken gzip stream: no diff_id, a reason, and no hang however much more is fed.
  std::string broken = gz.substr(0, 20) + std::string(1 << 20, 'z');
  DiffDigester d;
  for (int i = 0; i < 40; ++i) d.feed(broken);
  CHECK_FALSE(d.finish().has_value());
  CHECK_FALSE(d.error().empty());

  // Dropped half way (a failed download): the decoder thread is stopped and joined.
  DiffDigester abandoned;
  abandoned.feed(gz.substr(0, gz.size() / 2));
}
