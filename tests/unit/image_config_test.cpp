// Image configs, import changes, timestamps, chain IDs and resolution on a hand-built index.
#include "core/images/image_config.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/images/digest.hpp"
#include "core/images/layer_store.hpp"
#include "core/images/resolve.hpp"
#include "core/time.hpp"
#include "tests/support/error_of.hpp"

using berth::test::code_of;
using berth::test::error_of;

namespace {

using berth::core::Errc;
using berth::core::Error;
using berth::core::Image;
using berth::core::ImageRunConfig;
namespace images = berth::core::images;

ImageRunConfig changed(std::vector<std::string> changes) {
  ImageRunConfig rc;
  images::apply_changes(changes, rc);
  return rc;
}

using Args = std::vector<std::string>;

}  // namespace

TEST_CASE("parse a docker image config", "[image]") {
  const char* json = R"({
    "architecture": "arm64", "os": "linux", "variant": "v8", "author": "me", "comment": "c",
    "docker_version": "20.10.7", "parent": "sha256:abcd",
    "created": "2023-05-18T22:34:17.123456789Z",
    "config": {"User": "1000", "ExposedPorts": {"80/tcp": {}, "53/udp": {}}, "Env": ["PATH=/bin"],
               "Entrypoint": null, "Cmd": ["sh"], "Volumes": {"/data": {}}, "WorkingDir": "/w",
               "Labels": {"a": "b"}, "StopSignal": "SIGQUIT", "OnBuild": ["RUN x"],
               "Healthcheck": {"Test": ["CMD", "true"]}, "Shell": ["/bin/bash", "-c"]},
    "history": [{"created": "2023-05-18T22:34:16Z", "created_by": "ADD file", "author": "a"},
                {"created": "2023-05-18T22:34:17+02:00", "created_by": "CMD", "empty_layer": true, "comment": "k"}],
    "rootfs": {"type": "layers", "diff_ids": ["sha256:1111"]}
  })";
  auto f = images::parse_image_config(json);
  CHECK(f.architecture == "arm64");
  CHECK(f.variant == "v8");
  CHECK(f.author == "me");
  CHECK(f.comment == "c");
  CHECK(f.docker_version == "20.10.7");
  CHECK(f.parent_id == "abcd");
  CHECK(f.created_ns == 1684449257123456789LL);
  CHECK(f.config.user == "1000");
  CHECK(f.config.exposed_ports == Args{"53/udp", "80/tcp"});
  CHECK_FALSE(f.config.entrypoint.has_value());
  CHECK(f.config.cmd == Args{"sh"});
  CHECK(f.config.volumes == Args{"/data"});
  CHECK(f.config.working_dir == "/w");
  CHECK(f.config.labels.at("a") == "b");
  CHECK(f.config.stop_signal == "SIGQUIT");
  CHECK(f.config.on_build == Args{"RUN x"});
  CHECK(f.config.healthcheck_test == Args{"CMD", "true"});
  CHECK(f.config.shell == Args{"/bin/bash", "-c"});
  REQUIRE(f.history.size() == 2);
  CHECK(f.history[0].created_by == "ADD file");
  CHECK(f.history[1].empty_layer);
  CHECK(f.history[1].created_ns == 1684449257000000000LL - 7200000000000LL);
  CHECK(f.diff_ids == Args{"sha256:1111"});

  Image img;
  images::apply_config_facts(f, img);
  CHECK(img.created_ns == f.created_ns);
  CHECK(img.config.cmd == f.config.cmd);

  CHECK(code_of([] { images::parse_image_config("[1]"); }) == Errc::invalid_argument);
  CHECK(code_of([] { images::parse_image_config("{"); }) == Errc::invalid_argument);
  // Wrongly typed optional fields are tolerated.
  CHECK(images::parse_image_config(R"({"config": {"Env": "x", "Labels": null}, "created": 5})").created_ns == 0);
}

TEST_CASE("import changes: command forms, env, expose, label, volume, workdir", "[image]") {
  CHECK(changed({"CMD [\"/bin/echo\", \"hi\"]"}).cmd == Args{"/bin/echo", "hi"});
  CHECK(changed({"CMD echo hi"}).cmd == Args{"/bin/sh", "-c", "echo hi"});
  CHECK(changed({"ENTRYPOINT [\"/init\"]"}).entrypoint == Args{"/init"});
  CHECK(changed({"cmd=echo hi"}).cmd == Args{"/bin/sh", "-c", "echo hi"});  // podman's INSTR=value
  CHECK(changed({"ENV A=1 B=\"two words\""}).env == Args{"A=1", "B=two words"});
  CHECK(changed({"ENV A one two"}).env == Args{"A=one two"});
  CHECK(changed({"ENV A=1", "ENV A=2"}).env == Args{"A=2"});
  CHECK(changed({"EXPOSE 80 53/udp 8000-8001"}).exposed_ports == Args{"53/udp", "80/tcp", "8000/tcp", "8001/tcp"});
  auto labels = changed({"LABEL a=b \"c d\"='e f'", "LABEL g h"}).labels;
  CHECK(labels.at("a") == "b");
  CHECK(labels.at("c d") == "e f");
  CHECK(labels.at("g") == "h");
  CHECK(changed({"USER nobody"}).user == "nobody");
  CHECK(changed({"VOLUME [\"/a\", \"/b\"]"}).volumes == Args{"/a", "/b"});
  CHECK(changed({"VOLUME /c /a"}).volumes == Args{"/a", "/c"});
  CHECK(changed({"WORKDIR /a", "WORKDIR b"}).working_dir == "/a/b");
  CHECK(changed({"STOPSIGNAL SIGINT"}).stop_signal == "SIGINT");
  CHECK(changed({"ONBUILD RUN true"}).on_build == Args{"RUN true"});

  for (const char* bad : {"RUN x", "FROM scratch", "EXPOSE 0", "EXPOSE 70000", "EXPOSE 80/icmp", "EXPOSE x", "ENV",
                          "ENV A", "ENV =x", "LABEL a=\"b", "CMD", "USER", "", "VOLUME"}) {
    INFO(bad);
    CHECK(code_of([&] { changed({bad}); }) == Errc::invalid_argument);
  }
  try {
    changed({"FOO bar"});
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("FOO bar") != std::string::npos);
  }
}

TEST_CASE("the import config round-trips through the parser", "[image]") {
  std::string json = images::build_import_config({.architecture = "amd64",
                                                  .message = "m",
                                                  .changes = {"CMD [\"sh\"]", "EXPOSE 80"},
                                                  .diff_id = "sha256:" + std::string(64, 'a'),
                                                  .created_ns = 1700000000123000000LL});
  auto f = images::parse_image_config(json);
  CHECK(f.architecture == "amd64");
  CHECK(f.os == "linux");
  CHECK(f.comment == "m");
  CHECK(f.created_ns == 1700000000123000000LL);
  CHECK(f.config.cmd == Args{"sh"});
  CHECK(f.config.exposed_ports == Args{"80/tcp"});
  CHECK(f.diff_ids == Args{"sha256:" + std::string(64, 'a')});
  REQUIRE(f.history.size() == 1);
  CHECK(f.history[0].comment == "m");
  CHECK_FALSE(images::build_import_config({.diff_id = "sha256:x"}).empty());
  CHECK_FALSE(images::host_architecture().empty());
}

TEST_CASE("timestamps: RFC 3339, formatting and filter values", "[image]") {
  CHECK(berth::core::parse_rfc3339_ns("1970-01-01T00:00:01Z") == 1000000000LL);
  CHECK(berth::core::parse_rfc3339_ns("1970-01-01T00:00:01.5Z") == 1500000000LL);
  CHECK(berth::core::parse_rfc3339_ns("1970-01-01T01:00:00+01:00") == 0);
  CHECK_FALSE(berth::core::parse_rfc3339_ns("1970-01-01").has_value());
  CHECK_FALSE(berth::core::parse_rfc3339_ns("yesterday").has_value());
  CHECK(berth::core::format_rfc3339_ns(1500000000LL) == "1970-01-01T00:00:01.5Z");
  CHECK(berth::core::format_rfc3339_ns(1684449257123456789LL) == "2023-05-18T22:34:17.123456789Z");
  std::int64_t now = 10'000'000'000'000LL;
  CHECK(berth::core::parse_filter_time("10m", now) == now - 600'000'000'000LL);
  CHECK(berth::core::parse_filter_time("1h30m", now) == now - 5'400'000'000'000LL);
  CHECK(berth::core::parse_filter_time("1700000000", now) == 1700000000'000000000LL);
  CHECK(berth::core::parse_filter_time("1700000000.25", now) == 1700000000'250000000LL);
  CHECK(berth::core::parse_filter_time("2000-01-01", now) == 946684800'000000000LL);
  CHECK(berth::core::parse_filter_time("2000-01-01T00:00:00", now) == 946684800'000000000LL);
  CHECK(code_of([&] { berth::core::parse_filter_time("soon", now); }) == Errc::invalid_argument);
}

TEST_CASE("chain IDs follow the OCI definition", "[image]") {
  std::string a = "sha256:" + std::string(64, 'a'), b = "sha256:" + std::string(64, 'b');
  auto chains = images::chain_ids({a, b, a});
  REQUIRE(chains.size() == 3);
  CHECK(chains[0] == a);
  CHECK(chains[1] == images::Sha256::of(a + " " + b).str());
  CHECK(chains[2] == images::Sha256::of(chains[1] + " " + a).str());
  CHECK(images::chain_ids({}).empty());
}

TEST_CASE("resolve on an index: ambiguous prefixes and digests", "[image]") {
  images::ImageIndex index;
  auto add = [&](std::string id, std::vector<std::string> names, std::string manifest = "") {
    auto img = std::make_shared<Image>();
    img->id = id;
    img->manifest_digest = manifest;
    images::set_names(*img, names);
    for (const auto& n : names) index.by_name[n] = id;
    index.names_of[id] = names;
    index.by_id[id] = img;
  };
  std::string id1 = "abc1" + std::string(60, '0'), id2 = "abc2" + std::string(60, '0');
  std::string manifest = "sha256:" + std::string(64, 'd');
  add(id1, {"docker.io/library/one:latest"}, manifest);
  add(id2, {"quay.io/two/two:1", "quay.io/two/two@sha256:" + std::string(64, 'e')});
  auto resolve = [&](std::string text, auto policy) {
    return images::resolve_image(index, text, policy, {"docker.io"}).image->id;
  };
  auto docker = images::ShortNamePolicy::docker;
  auto podman = images::ShortNamePolicy::podman;
  try {
    resolve("abc", docker);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(std::string(e.what()) == "multiple IDs found with provided prefix: abc");
  }
  CHECK(resolve("abc1", docker) == id1);
  CHECK(resolve("sha256:abc2", docker) == id2);
  CHECK(resolve("one@" + manifest, docker) == id1);
  CHECK(resolve("one:latest@" + manifest, podman) == id1);
  CHECK(code_of([&] { resolve("two@" + manifest, docker); }) == Errc::not_found);
  CHECK(resolve("quay.io/two/two@sha256:" + std::string(64, 'e'), docker) == id2);
  CHECK(index.by_id.at(id1)->digests == Args{"docker.io/library/one@" + manifest});
  CHECK(code_of([&] { resolve("UPPER", docker); }) == Errc::invalid_argument);

  CHECK(images::normalize_new_name("foo", docker) == "docker.io/library/foo:latest");
  CHECK(images::normalize_new_name("foo", podman) == "localhost/foo:latest");
  CHECK(images::normalize_new_name("quay.io/a/b:2", podman) == "quay.io/a/b:2");
  CHECK(images::repository_of_name("localhost:5000/a/b:1") == "localhost:5000/a/b");
}
