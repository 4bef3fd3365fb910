// Manifest lists through curl-style requests and podman --remote, pushed to a docker registry and pulled back.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "tests/integration/common.hpp"
#include "tests/integration/image_fixtures.hpp"
#include "tests/support/berthd.hpp"
#include "tests/support/registry.hpp"

using namespace berth::test;

namespace {

constexpr const char* kListAccept =
    "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json";

std::string import_image(const Berthd& d, const std::string& marker, const std::string& reference) {
  auto r = d.request("POST", "/v4.3.1/libpod/images/import?reference=" + reference, busybox_rootfs_tar(marker),
                     {{"Content-Type", "application/x-tar"}});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(r.status == 200);
  auto id = r.json().value("Id", std::string());
  return id.rfind("sha256:", 0) == 0 ? id.substr(7) : id;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("manifest endpoints: v3 and v4 create, modify, inspect, exists, push, delete", "[manifests]") {
  Berthd d;
  TestRegistry reg;
  auto img1 = import_image(d, "one", "localhost/m1:latest");
  auto img2 = import_image(d, "two", "localhost/m2:latest");

  auto abc = t(d, "POST", "/v3.4.0/libpod/manifests/create?name=abc", 200).json().value("Id", "");
  REQUIRE(std::regex_match(abc, std::regex("[0-9a-f]{64}")));
  auto xyz = t(d, "POST", "/v4.0.0/libpod/manifests/xyz", 201).json().value("Id", "");
  REQUIRE(std::regex_match(xyz, std::regex("[0-9a-f]{64}")));
  t(d, "POST", "/v4.0.0/libpod/manifests/xyz", 409);  // name in use (podman: 500)
  t(d, "GET", "/v3.4.0/libpod/manifests/" + abc + "/exists", 204);
  t(d, "GET", "/v4.0.0/libpod/manifests/" + xyz + "/exists", 204);
  t(d, "GET", "/v4.0.0/libpod/manifests/nope/exists", 404);
  t(d, "GET", "/v4.0.0/libpod/manifests/nope/json", 404);

  t(d, "POST", "/v3.4.0/libpod/manifests/" + abc + "/add", R"({"images":["containers-storage:)" + img1 + R"("]})", 200,
    {{".Id", abc}});
  t(d, "PUT", "/v4.0.0/libpod/manifests/" + xyz,
    R"({"operation":"update","images":["containers-storage:)" + img2 + R"("],"arch":"arm64","annotation":["a=b"]})",
    200, {{".Id", xyz}});
  t(d, "PUT", "/v4.0.0/libpod/manifests/xyz", R"({"operation":"update","images":["containers-storage:nope"]})", 400);
  t(d, "PUT", "/v4.0.0/libpod/manifests/xyz", R"({"operation":"bogus"})", 400);
  auto doc = t(d, "GET", "/v4.0.0/libpod/manifests/xyz/json", 200,
               {{".schemaVersion", "2"},
                {".mediaType", "application/vnd.docker.distribution.manifest.list.v2+json"},
                {".manifests|length", "1"},
                {".manifests[0].platform.architecture", "arm64"},
                {".manifests[0].platform.os", "linux"},
                {".manifests[0].annotations.a", "b"}})
                 .json();
  auto digest2 = doc["manifests"][0]["digest"].get<std::string>();

  t(d, "POST",
    "/v3.4.0/libpod/manifests/abc:latest/push?destination=" + reg.host() + "%2Fabc:latest&tlsVerify=false&all=true",
    200);
  t(d, "POST", "/v4.0.0/libpod/manifests/xyz:latest/registry/" + reg.host() + "%2Fxyz:latest?tlsVerify=false&all=true",
    200);
  auto pushed = reg.request("GET", "/v2/xyz/manifests/latest", {}, {{"Accept", kListAccept}});
  REQUIRE(pushed.status == 200);
  auto list = nlohmann::json::parse(pushed.body);
  CHECK(list["manifests"][0]["digest"] == digest2);
  CHECK(reg.request("GET", "/v2/xyz/manifests/" + digest2, {},
                    {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"}})
            .status == 200);

  // Remove an instance (v4 PUT remove, v3 DELETE ?digest=), then delete the lists.
  t(d, "PUT", "/v4.0.0/libpod/manifests/xyz", R"({"operation":"remove","images":[")" + digest2 + R"("]})", 200);
  t(d, "GET", "/v4.0.0/libpod/manifests/xyz/json", 200, {{".manifests|length", "0"}});
  auto digest1 = t(d, "GET", "/v4.0.0/libpod/manifests/abc/json", 200).json()["manifests"][0]["digest"];
  t(d, "DELETE", "/v3.4.0/libpod/manifests/abc?digest=" + digest1.get<std::string>(), 200, {{".Id", abc}});
  t(d, "DELETE", "/v4.0.0/libpod/manifests/" + abc, 200, {{".Deleted[0]", abc}, {".ExitCode", "0"}});
  t(d, "DELETE", "/v4.0.0/libpod/manifests/" + xyz, 200, {{".Untagged[0]", "localhost/xyz:latest"}});
  t(d, "GET", "/v4.0.0/libpod/manifests/" + xyz + "/exists", 404);
  t(d, "DELETE", "/v4.0.0/libpod/manifests/" + xyz, 404);
}

TEST_CASE("podman --remote manifest create, add, inspect, push, rm, pull picks the host's image", "[manifests]") {
  Berthd d;
  TestRegistry reg;
  auto amd = import_image(d, "amd", "localhost/img-amd:latest");
  import_image(d, "arm", "localhost/img-arm:latest");

  write_empty_docker_config(d);
  auto run = [&](const std::vector<std::string>& args) {
    auto r = d.podman(args);
    INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
    REQUIRE(r.exit_code == 0);
    return trim(r.out);
  };
  auto id = run({"manifest", "create", "mylist"});
  CHECK(std::regex_match(id, std::regex("[0-9a-f]{64}")));
  run({"manifest", "add", "--arch", "amd64", "mylist", "containers-storage:localhost/img-amd:latest"});
  run({"manifest", "add", "--arch", "arm64", "--variant", "v8", "mylist",
       "containers-storage:localhost/img-arm:latest"});
  auto shown = nlohmann::json::parse(run({"manifest", "inspect", "mylist"}));
  REQUIRE(shown["manifests"].size() == 2);
  CHECK(shown["manifests"][1]["platform"]["variant"] == "v8");

  std::string dest = reg.host() + "/multi:1";
  run({"manifest", "push", "--all", "--tls-verify=false", "mylist", dest});
  auto pushed = reg.request("GET", "/v2/multi/manifests/1", {}, {{"Accept", kListAccept}});
  REQUIRE(pushed.status == 200);
  auto list = nlohmann::json::parse(pushed.body);
  REQUIRE(list["manifests"].size() == 2);
  for (const auto& m : list["manifests"])
    CHECK(reg.request("GET", "/v2/multi/manifests/" + m["digest"].get<std::string>(), {},
                      {{"Accept", m["mediaType"].get<std::string>()}})
              .status == 200);

  run({"manifest", "rm", "mylist"});
  CHECK(d.podman({"manifest", "inspect", "mylist"}).exit_code != 0);

  // The list's amd64 entry is the image imported for amd64 (this test host runs amd64 or picks its own arch).
  run({"pull", "--tls-verify=false", "--arch", "amd64", dest});
  auto pulled = run({"image", "inspect", "--format", "{{.Id}}", dest});
  CHECK(pulled == amd);
}

TEST_CASE("podman --remote manifest add docker://…, push --all copies the registry instances elsewhere",
          "[manifests]") {
  Berthd d;
  TestRegistry src;
  TestRegistry dst;
  auto multi = src.push_image("test/multi", "1", {.index = true, .layers = 2});
  write_empty_docker_config(d);
  auto run = [&](const std::vector<std::string>& args) {
    auto r = d.podman(args);
    INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
    REQUIRE(r.exit_code == 0);
    return trim(r.out);
  };
  run({"manifest", "create", "copied"});
  run({"manifest", "add", "--all", "--tls-verify=false", "copied", "docker://" + src.host() + "/test/multi:1"});
  REQUIRE(nlohmann::json::parse(run({"manifest", "inspect", "copied"}))["manifests"].size() == 2);

  // To another registry: every instance's manifest and blobs are copied over, then the list.
  std::string dest = dst.host() + "/elsewhere/copied:2";
  run({"manifest", "push", "--all", "--tls-verify=false", "copied", dest});
  auto list = dst.request("GET", "/v2/elsewhere/copied/manifests/2", {}, {{"Accept", kListAccept}});
  REQUIRE(list.status == 200);
  auto doc = nlohmann::json::parse(list.body);
  REQUIRE(doc["manifests"].size() == 2);
  for (const auto& digest : multi.platform_digests) {
    auto m = dst.request("GET", "/v2/elsewhere/copied/manifests/" + digest, {},
                         {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"}});
    REQUIRE(m.status == 200);
    CHECK(sha256_digest(m.body) == digest);
  }
  for (const auto& blob : multi.layer_digests)
    CHECK(dst.request("HEAD", "/v2/elsewhere/copied/blobs/" + blob, {}, {}).status == 200);

  // Another repository of the source registry: blobs are mounted, the image pulls back whole from there.
  run({"manifest", "push", "--all", "--tls-verify=false", "copied", src.host() + "/test/again:3"});
  run({"pull", "--tls-verify=false", "--arch", "arm64", src.host() + "/test/again:3"});
  run({"pull", "--tls-verify=false", "--arch", "amd64", dest});
  auto id = run({"image", "inspect", "--format", "{{.Id}}", dest});
  CHECK("sha256:" + id == multi.config_digest);
}
