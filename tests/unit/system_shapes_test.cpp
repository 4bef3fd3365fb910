// System shapes against podman 4.3.1's recorded answers (tests/golden/podman-4.3.1): same keys, same JSON types.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/shapes/system.hpp"
#include "compat/shapes/system.hpp"
#include "server/http/headers.hpp"
#include "tests/unit/golden_shape.hpp"

using nlohmann::json;
namespace core = berth::core;
using berth::test::golden;
using berth::test::golden_text;

namespace {

// Objects whose keys are data (Go maps), not fields: each of our values is checked against the golden's value of
// the same key, else its first value, and keys may differ. Paths use "*" for any array element.
const std::set<std::string> kMaps = {
    "/Runtimes",                     // podman lists containers.conf's runtimes; berthd has runc only
    "/RegistryConfig/IndexConfigs",  //
    "/registries",                   // prefixes plus "search"; checked value for value in its own test
    "/Components/*/Details",         // map[string]string; berthd's own component has its own keys
    "/store/graphOptions",           //
    "/store/graphStatus",            //
};

std::vector<std::string> shape_problems(const json& want, const json& got) {
  return berth::test::shape_problems(want, got, [](const std::string& path) { return kMaps.count(path) > 0; });
}

core::Registry registry(std::string prefix, std::string location, bool insecure, bool blocked,
                        std::vector<core::RegistryMirror> mirrors = {}) {
  core::Registry r;
  r.prefix = std::move(prefix);
  r.location = std::move(location);
  r.insecure = insecure;
  r.blocked = blocked;
  r.mirrors = std::move(mirrors);
  return r;
}

// The registries.conf the *_registries.json goldens were recorded with.
core::RegistriesConfig recorded_registries() {
  core::RegistriesConfig c;
  c.unqualified_search = {"docker.io", "quay.io"};
  c.registries = {registry("example.com/foo", "mirror.example.com:5000/foo", true, false,
                           {core::RegistryMirror{"m1.example.com", true}}),
                  registry("localhost:5000", "localhost:5000", true, false),
                  registry("bad.example.org", "bad.example.org", false, true)};
  return c;
}

core::VersionInfo sample_version() {
  core::VersionInfo v;
  v.berth_version = "0.1.0";
  v.compiler = "gcc 12.2.0";
  v.os = "linux";
  v.arch = "amd64";
  v.kernel = "6.1.0";
  v.distribution = {"debian", "12", "bookworm", ""};
  v.runtime_name = "runc";
  v.runtime = {"/usr/sbin/runc", "runc_1.1.5+ds1-1+deb12u1_amd64", "runc version 1.1.5\ncommit: abc\nspec: 1.0.2-dev"};
  v.conmon = {"/usr/bin/conmon", "conmon_2.1.6+ds1-1_amd64", "conmon version 2.1.6, commit: unknown"};
  return v;
}

core::HostInfo sample_info() {
  auto facts = std::make_shared<core::HostFacts>();
  facts->engine_id = "0b8a3c52-6d1e-8f4a-9b2c-3d4e5f607182";
  facts->arch = "amd64";
  facts->kernel = "6.1.0";
  facts->hostname = "host";
  facts->distribution = {"debian", "12", "bookworm", ""};
  facts->cpus = 4;
  facts->mem_total = 8LL << 30;
  facts->cgroup_version = 1;
  facts->cgroup_controllers = {"cpuset", "cpu", "memory", "pids"};
  facts->features.memory_limit = true;
  facts->features.seccomp = true;
  facts->seccomp_profile_path = "/usr/share/containers/seccomp.json";
  facts->runtime_name = "runc";
  facts->runtime = sample_version().runtime;
  facts->conmon = sample_version().conmon;
  core::HostInfo info;
  info.facts = facts;
  info.version = sample_version();
  info.stats.mem_free = 1LL << 30;
  info.stats.uptime_seconds = 4000.5;
  info.stats.cpu = {1.5, 0.5, 98.0};
  info.stats.open_fds = 12;
  info.stats.threads = 20;
  info.stats.now = std::chrono::system_clock::now();
  info.counts = {.containers = 3, .running = 1, .paused = 0, .stopped = 2, .images = 5, .volumes = 1};
  info.store.config_file = "/usr/share/containers/storage.conf";
  info.store.graph_root = "/var/lib/berth";
  info.store.run_root = "/run/berth";
  info.store.volume_path = "/var/lib/berth/volumes";
  info.store.image_copy_tmp_dir = "/var/tmp";
  info.store.graph_root_allocated = 1000;
  info.store.graph_root_used = 10;
  info.store.status = {{"Backing Filesystem", "extfs"},
                       {"Supports d_type", "true"},
                       {"Native Overlay Diff", "true"},
                       {"Using metacopy", "false"}};
  info.remote_socket = core::RemoteSocket{"unix:///run/berth/berth.sock", true};
  info.plugins = {{"local"}, {"bridge"}, {"k8s-file", "none"}};
  info.runtimes = {{"runc", "/usr/sbin/runc"}};
  info.default_runtime = "runc";
  info.cgroup_manager = "cgroupfs";
  info.log_driver = "k8s-file";
  info.event_logger = "file";
  info.network_backend = "netavark";
  info.default_capabilities = {"CAP_CHOWN", "CAP_KILL"};
  return info;
}

void require_same_shape(const json& want, const json& got) {
  auto problems = shape_problems(want, got);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
}

}  // namespace

TEST_CASE("the shape comparison itself notices missing keys, extra keys and wrong types", "[system]") {
  auto want = json::parse(R"({"a":1,"b":{"c":"x"},"d":[true],"e":null})");
  CHECK(shape_problems(want, json::parse(R"({"a":2,"b":{"c":"y"},"d":[false,true],"e":[1]})")).empty());
  CHECK(shape_problems(want, json::parse(R"({"a":"2","b":{"c":"y"},"d":[],"e":1})")).size() == 1);
  CHECK(shape_problems(want, json::parse(R"({"a":2,"b":{},"d":[1],"e":1,"f":0})")).size() == 3);
}

TEST_CASE("GET /libpod/info has podman 4.3.1's keys and types", "[system]") {
  require_same_shape(golden("libpod_info.json"), berth::api::shapes::info_json(sample_info()));
}

TEST_CASE("GET /info has podman 4.3.1's compat keys and types", "[system]") {
  require_same_shape(golden("compat_info.json"), berth::compat::shapes::info_json(sample_info()));
}

TEST_CASE("info shapes keep their types with registries configured", "[system]") {
  auto info = sample_info();
  info.registries = std::make_shared<const core::RegistriesConfig>(recorded_registries());
  require_same_shape(golden("libpod_info_registries.json"), berth::api::shapes::info_json(info));
  require_same_shape(golden("compat_info_registries.json"), berth::compat::shapes::info_json(info));
  // The registry documents depend on the configuration alone, so they must match podman's byte for byte.
  CHECK(berth::api::shapes::info_json(info)["registries"] == golden("libpod_info_registries.json")["registries"]);
  CHECK(berth::compat::shapes::info_json(info)["RegistryConfig"] ==
        golden("compat_info_registries.json")["RegistryConfig"]);
  // Without search registries podman sends {} (not {"search": null}).
  CHECK(berth::api::shapes::info_json(sample_info())["registries"] == json::object());
}

TEST_CASE("GET /version and /libpod/version have podman 4.3.1's shape and versions", "[system]") {
  auto doc = berth::compat::shapes::version_json(sample_version());
  require_same_shape(golden("version.json"), doc);
  require_same_shape(golden("libpod_version.json"), doc);
  CHECK(doc["ApiVersion"] == "1.41");
  CHECK(doc["MinAPIVersion"] == "1.24");
  CHECK(doc["Version"] == "4.3.1");
  CHECK(doc["Platform"]["Name"] == "linux/amd64/debian-12");
  CHECK(doc["BuildTime"] == "1970-01-01T00:00:00Z");
  const auto& components = doc["Components"];
  REQUIRE(components.size() == 4);
  // podman --remote takes the server's API version from the "Podman Engine" component.
  CHECK(components[0]["Name"] == "Podman Engine");
  CHECK(components[0]["Details"]["APIVersion"] == "4.3.1");
  CHECK(components[0]["Details"]["MinAPIVersion"] == "4.0.0");
  CHECK(components[1]["Name"] == "Conmon");
  CHECK(components[2]["Name"] == "OCI Runtime (runc)");
  CHECK(components[2]["Details"]["Package"] == "runc_1.1.5+ds1-1+deb12u1_amd64");
  // Deliberate addition: berthd names itself. Its Details keys differ from podman's components (see kMaps).
  CHECK(components[3]["Name"] == "Berth");
  CHECK(components[3]["Version"] == "0.1.0");
  for (const auto& c : components)
    for (const auto& [key, value] : c["Details"].items()) CHECK(value.is_string());
}

TEST_CASE("compat info values follow the host facts", "[system]") {
  auto doc = berth::compat::shapes::info_json(sample_info());
  CHECK(doc["ServerVersion"] == "4.3.1");
  CHECK(doc["CgroupVersion"] == "1");
  CHECK(doc["Containers"] == 3);
  CHECK(doc["ContainersStopped"] == 2);
  CHECK(doc["Images"] == 5);
  CHECK(doc["DockerRootDir"] == "/var/lib/berth");
  CHECK(doc["SecurityOptions"] == json::array({"name=seccomp,profile=default"}));
  CHECK(doc["RuncCommit"]["ID"] == "abc");
  CHECK(doc["DriverStatus"][0] == json::array({"Backing Filesystem", "extfs"}));
  CHECK(doc["Runtimes"] == json::parse(R"({"runc":{"path":"/usr/sbin/runc"}})"));
  CHECK(doc["Uptime"] == "1h 6m 40.00s (Approximately 0.04 days)");
  auto libpod = berth::api::shapes::info_json(sample_info());
  CHECK(libpod["host"]["cgroupVersion"] == "v1");
  CHECK(libpod["host"]["security"]["capabilities"] == "CAP_CHOWN,CAP_KILL");
  CHECK(libpod["host"]["remoteSocket"] == json::parse(R"({"path":"unix:///run/berth/berth.sock","exists":true})"));
  CHECK(libpod["store"]["containerStore"]["number"] == 3);
  CHECK(libpod["version"]["APIVersion"] == "4.3.1");
  CHECK(libpod["version"]["OsArch"] == "linux/amd64");
}

TEST_CASE("podman's time and uptime texts", "[system]") {
  using berth::compat::shapes::uptime_text;
  CHECK(uptime_text(648.9) == "0h 10m 48.00s");
  CHECK(uptime_text(3 * 3600 + 5) == "3h 0m 5.00s (Approximately 0.12 days)");
  CHECK(berth::compat::shapes::rfc3339_time(86400 + 61) == "1970-01-02T00:01:01Z");
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  CHECK(berth::compat::shapes::ansic_time(0) == "Thu Jan  1 00:00:00 1970");
}

TEST_CASE("_ping answers OK with podman's headers plus OSType", "[system]") {
  // Headers the server adds to every response, or that vary per response, are not the handler's.
  const std::set<std::string> server_side = {"api-version", "libpod-api-version", "server", "x-reference-id",
                                             "date",        "content-length"};
  auto check_headers = [&](const berth::http::Reply& reply, const std::string& golden_file) {
    std::istringstream lines(golden_text(golden_file));
    std::string line;
    std::getline(lines, line);  // status line
    int checked = 0;
    while (std::getline(lines, line) && !line.empty()) {
      auto colon = line.find(':');
      REQUIRE(colon != std::string::npos);
      std::string name = line.substr(0, colon);
      std::string value = line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (server_side.count(lower)) continue;
      INFO(name);
      auto ours = reply.headers.get(name);  // case-insensitive, as HTTP
      REQUIRE(ours.has_value());
      // podman sends Libpod-Buildah-Version 1.28.2 (Debian's build), which is what we send too.
      CHECK(*ours == value);
      ++checked;
    }
    CHECK(checked >= 6);
    CHECK(reply.headers.get("OSType") == std::optional<std::string_view>("linux"));
  };
  auto get = berth::compat::shapes::ping_reply(false);
  CHECK(get.status == 200);
  CHECK(get.body == "OK");
  check_headers(get, "ping_headers.txt");
  check_headers(get, "libpod_ping_headers.txt");
  auto head = berth::compat::shapes::ping_reply(true);
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  check_headers(head, "ping_head_headers.txt");
}
