// User namespace settings: mapping checks at create, subuid parsing, --userns=auto ranges, the create bodies of
// both trees, the OCI config, and the stored spec round trip.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/shapes/container_create.hpp"
#include "compat/shapes/container_create.hpp"
#include "core/containers/oci_spec.hpp"
#include "core/containers/spec_json.hpp"
#include "core/containers/userns.hpp"
#include "core/error.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/temp_dir.hpp"

namespace core = berth::core;
namespace ctr = berth::core::containers;
using berth::test::error_of;
using core::ContainerSpec;
using core::Errc;
using core::IdMap;

namespace {

ContainerSpec with_maps(std::vector<IdMap> uids, std::vector<IdMap> gids = {}) {
  ContainerSpec s;
  s.image = "busybox";
  s.uid_map = std::move(uids);
  s.gid_map = std::move(gids);
  return s;
}

std::string rejection(ContainerSpec s) {
  auto e = error_of([&] { ctr::check_userns(s); });
  CHECK(e.code() == Errc::invalid_argument);
  return e.message();
}

}  // namespace

TEST_CASE("check_userns completes good mappings", "[userns]") {
  auto s = with_maps({{0, 100000, 65536}});
  ctr::check_userns(s);
  CHECK(s.userns == "private");
  REQUIRE(s.gid_map.size() == 1);  // --uidmap alone maps groups the same way, as podman does
  CHECK(s.gid_map[0].host_id == 100000);

  auto two = with_maps({{0, 100000, 1000}, {1000, 300000, 64536}}, {{0, 200000, 65536}});
  ctr::check_userns(two);
  CHECK(two.gid_map[0].host_id == 200000);

  ContainerSpec host;
  ctr::check_userns(host);
  CHECK(host.userns.empty());
  host.userns = "host";
  ctr::check_userns(host);
  CHECK(host.uid_map.empty());
}

TEST_CASE("check_userns refuses bad mappings with what to change", "[userns]") {
  ContainerSpec empty_private;
  empty_private.userns = "private";
  CHECK_THAT(rejection(empty_private), Catch::Contains("--uidmap"));
  CHECK_THAT(rejection(with_maps({{0, 100000, 0}})), Catch::Contains("size must be greater than 0"));
  CHECK_THAT(rejection(with_maps({{1, 100000, 10}})), Catch::Contains("does not map container ID 0"));
  CHECK_THAT(rejection(with_maps({{0, 100000, 100}, {50, 300000, 100}})), Catch::Contains("overlap in the container"));
  CHECK_THAT(rejection(with_maps({{0, 100000, 100}, {100, 100050, 100}})), Catch::Contains("overlap on the host"));
  CHECK_THAT(rejection(with_maps({{0, 100000, 65536}}, {{5, 1, 1}})), Catch::Contains("GID mapping"));
  CHECK_THAT(rejection(with_maps({{0, 4294967000u, 65536}})), Catch::Contains("past ID"));
  auto host = with_maps({{0, 100000, 65536}});
  host.userns = "host";
  CHECK_THAT(rejection(host), Catch::Contains("--userns=host"));
  auto auto_maps = with_maps({{0, 100000, 65536}});
  auto_maps.userns = "auto";
  CHECK_THAT(rejection(auto_maps), Catch::Contains("--userns=auto"));
  ContainerSpec keep;
  keep.userns = "keep-id";
  CHECK_THAT(rejection(keep), Catch::Contains("\"keep-id\" is not supported"));
  auto rootfs = with_maps({{0, 100000, 65536}});
  rootfs.rootfs = "/tmp";
  CHECK_THAT(rejection(rootfs), Catch::Contains("--rootfs"));
}

TEST_CASE("subuid files and free ranges", "[userns]") {
  auto r = ctr::parse_subids(
      "# x\nalice:100000:65536\ncontainers:200000:100000\ncontainers:bad:1\n"
      "containers:900000:65536\r\ncontainersx:1:2\n",
      "containers");
  REQUIRE(r.size() == 2);
  CHECK(r[0].start == 200000);
  CHECK(r[0].size == 100000);
  CHECK(r[1].start == 900000);

  CHECK(ctr::find_free_range(r, {}, 65536) == 200000u);
  // 200000+65536 is taken, so the rest of the first range is too small: the second range it is.
  CHECK(ctr::find_free_range(r, {{0, 200000, 65536}}, 65536) == 900000u);
  CHECK(ctr::find_free_range(r, {{0, 210000, 10}}, 10000) == 200000u);
  CHECK(ctr::find_free_range(r, {{0, 205000, 10}}, 10000) == 205010u);
  CHECK_FALSE(ctr::find_free_range(r, {{0, 200000, 65536}, {0, 900000, 1}}, 65536));
}

TEST_CASE("userns=auto takes a free block of the containers ranges, or says what is missing", "[userns]") {
  berth::test::TempDir dir;
  core::Config config;
  config.subuid_file = dir.write("subuid", "containers:300000:131072\n");
  config.subgid_file = dir.write("subgid", "containers:400000:131072\n");
  ContainerSpec a;
  a.userns = "auto";
  ctr::allocate_auto_userns(a, config, {});
  REQUIRE(a.uid_map.size() == 1);
  CHECK((a.uid_map[0].container_id == 0 && a.uid_map[0].host_id == 300000 && a.uid_map[0].size == 65536));
  CHECK(a.gid_map[0].host_id == 400000);
  ContainerSpec b;
  b.userns = "auto";
  ctr::allocate_auto_userns(b, config, {&a});
  CHECK(b.uid_map[0].host_id == 365536);
  CHECK(b.gid_map[0].host_id == 465536);
  ContainerSpec c;
  c.userns = "auto";
  auto full = error_of([&] { ctr::allocate_auto_userns(c, config, {&a, &b}); });
  CHECK(full.code() == Errc::invalid_argument);
  CHECK_THAT(full.message(), Catch::Contains("no free block"));

  config.subuid_file = dir.write("other", "alice:1:2\n");
  auto none = error_of([&] { ctr::allocate_auto_userns(c, config, {}); });
  CHECK(none.code() == Errc::invalid_argument);
  CHECK_THAT(none.message(), Catch::Contains("no entry for the user \"containers\""));
}

TEST_CASE("libpod create bodies: --uidmap/--gidmap and --userns=auto as podman 4.3.1 sends them", "[userns]") {
  namespace shapes = berth::api::shapes;
  auto maps = shapes::spec_from_specgen(R"({"image":"b","userns":{"nsmode":"private"},
    "idmappings":{"HostUIDMapping":false,"HostGIDMapping":false,
      "UIDMap":[{"container_id":0,"host_id":100000,"size":65536}],
      "GIDMap":[{"container_id":0,"host_id":200000,"size":1000},{"container_id":1000,"host_id":300000,"size":5}],
      "AutoUserNs":false,"AutoUserNsOpts":{"Size":0}}})");
  CHECK(maps.userns == "private");
  REQUIRE(maps.uid_map.size() == 1);
  CHECK((maps.uid_map[0].container_id == 0 && maps.uid_map[0].host_id == 100000 && maps.uid_map[0].size == 65536));
  REQUIRE(maps.gid_map.size() == 2);
  CHECK((maps.gid_map[1].container_id == 1000 && maps.gid_map[1].host_id == 300000 && maps.gid_map[1].size == 5));

  auto autons = shapes::spec_from_specgen(R"({"image":"b","userns":{"nsmode":"auto","value":"size=2000"},
    "idmappings":{"HostUIDMapping":false,"HostGIDMapping":false,"UIDMap":null,"GIDMap":null,"AutoUserNs":true,
      "AutoUserNsOpts":{"Size":2000}}})");
  CHECK(autons.userns == "auto");
  CHECK(autons.userns_auto_size == 2000);
  CHECK(autons.uid_map.empty());

  // What podman sends without any of these flags: the host's IDs.
  auto plain = shapes::spec_from_specgen(R"({"image":"b","userns":{},"idmappings":{"HostUIDMapping":true,
    "HostGIDMapping":true,"UIDMap":null,"GIDMap":null,"AutoUserNs":false}})");
  CHECK(plain.userns.empty());
  CHECK(plain.uid_map.empty());

  auto bad = error_of([&] {
    shapes::spec_from_specgen(
        R"({"image":"b","idmappings":{"UIDMap":[{"container_id":-1,"host_id":100000,"size":1}]}})");
  });
  CHECK(bad.code() == Errc::invalid_argument);
  CHECK_THAT(bad.message(), Catch::Contains("container_id"));
}

TEST_CASE("docker create bodies: UsernsMode host or nothing", "[userns]") {
  namespace shapes = berth::compat::shapes;
  CHECK(shapes::container_spec_from_json(R"({"Image":"b","HostConfig":{"UsernsMode":"host"}})", "").userns == "host");
  CHECK(shapes::container_spec_from_json(R"({"Image":"b","HostConfig":{"UsernsMode":""}})", "").userns.empty());
  auto e =
      error_of([] { shapes::container_spec_from_json(R"({"Image":"b","HostConfig":{"UsernsMode":"private"}})", ""); });
  CHECK(e.code() == Errc::invalid_argument);
  CHECK_THAT(e.message(), Catch::Contains("UsernsMode \"private\""));
}

TEST_CASE("config.json of a container with mappings: a user namespace, its maps, the host's /sys bound", "[userns]") {
  auto s = with_maps({{0, 100000, 65536}}, {{0, 200000, 65536}});
  ctr::check_userns(s);
  s.command = std::vector<std::string>{"true"};
  ctr::OciInputs in{.id = std::string(64, 'a'), .rootfs = "/tmp"};
  auto doc = nlohmann::json::parse(ctr::oci_config_json(s, in, core::Config{}));
  bool user_ns = false;
  for (const auto& ns : doc["linux"]["namespaces"]) user_ns = user_ns || ns["type"] == "user";
  CHECK(user_ns);
  CHECK(doc["linux"]["uidMappings"] == nlohmann::json::parse(R"([{"containerID":0,"hostID":100000,"size":65536}])"));
  CHECK(doc["linux"]["gidMappings"][0]["hostID"] == 200000);
  for (const auto& m : doc["mounts"])
    if (m["destination"] == "/sys") CHECK((m["type"] == "bind" && m["source"] == "/sys"));

  ContainerSpec plain;
  plain.command = std::vector<std::string>{"true"};
  auto pdoc = nlohmann::json::parse(ctr::oci_config_json(plain, in, core::Config{}));
  CHECK_FALSE(pdoc["linux"].contains("uidMappings"));
  for (const auto& ns : pdoc["linux"]["namespaces"]) CHECK(ns["type"] != "user");
}

TEST_CASE("stored specs keep their mappings, rows from before them load without", "[userns]") {
  auto s = with_maps({{0, 100000, 65536}}, {{0, 200000, 1000}});
  s.userns = "auto";
  s.userns_auto_size = 1000;
  auto back = ctr::spec_from_json(ctr::spec_to_json(s));
  REQUIRE(back.uid_map.size() == 1);
  CHECK(back.uid_map[0].host_id == 100000);
  CHECK(back.gid_map[0].size == 1000);
  CHECK(back.userns_auto_size == 1000);
  auto old = ctr::spec_from_json(R"({"name":"x","image":"busybox","process":{},"host":{"userns":""}})");
  CHECK(old.uid_map.empty());
  CHECK(old.gid_map.empty());
}
