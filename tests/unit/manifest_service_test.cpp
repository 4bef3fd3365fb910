// ManifestService on a real store with images imported through ImageService.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "core/images/media_types.hpp"
#include "core/manifests/service.hpp"
#include "tests/support/error_of.hpp"
#include "tests/unit/image_test_support.hpp"

using berth::test::code_of;

namespace {

using berth::core::Errc;
using berth::core::Error;
using berth::core::images::ShortNamePolicy;
using berth::core::manifests::ManifestService;
using berth::test::ImageFixture;
namespace media_types = berth::core::images::media_types;

struct Fixture : ImageFixture {
  ManifestService manifests{config, *store, *images};
  std::string import_arch(const std::string& content, const std::string& ref, const std::string& arch,
                          const std::string& variant = "") {
    return import(berth::test::make_image_tar({{"file", content}}),
                  {.reference = ref, .architecture = arch, .variant = variant, .policy = ShortNamePolicy::podman})
        .id;
  }
};

TEST_CASE("manifest lists: create, add, inspect, remove, delete", "[manifests]") {
  Fixture f;
  auto amd = f.import_arch("a", "img-amd64", "amd64");
  auto arm = f.import_arch("b", "img-arm64", "arm64", "v8");

  auto id = f.manifests.create("mylist", {}, {});
  CHECK(id.size() == 64);
  CHECK(f.manifests.exists("mylist"));
  CHECK(f.manifests.exists("localhost/mylist:latest"));
  CHECK(f.manifests.exists(id));
  CHECK(f.manifests.exists(id.substr(0, 12)));
  CHECK_FALSE(f.manifests.exists("other"));
  CHECK(code_of([&] { f.manifests.create("mylist", {}, {}); }) == Errc::conflict);
  CHECK(f.manifests.create("mylist", {}, {.amend = true}) == id);

  auto doc = nlohmann::json::parse(f.manifests.inspect("mylist"));
  CHECK(doc["schemaVersion"] == 2);
  CHECK(doc["mediaType"] == media_types::kDockerList);
  CHECK(doc["manifests"].empty());

  CHECK(f.manifests.add("mylist", {"img-amd64", "containers-storage:" + arm}, {.annotations = {"k=v"}}) == id);
  doc = nlohmann::json::parse(f.manifests.inspect(id));
  REQUIRE(doc["manifests"].size() == 2);
  auto first = doc["manifests"][0];
  CHECK(first["mediaType"] == media_types::kDockerManifest);
  CHECK(first["platform"]["architecture"] == "amd64");
  CHECK(first["platform"]["os"] == "linux");
  CHECK_FALSE(first["platform"].contains("variant"));
  CHECK(first["annotations"]["k"] == "v");
  CHECK(doc["manifests"][1]["platform"]["variant"] == "v8");

  // The recorded digest is that of the manifest a push builds: stable across calls.
  auto pm = f.svc().push_manifest(amd, "", ShortNamePolicy::podman);
  CHECK(first["digest"] == pm.digest);
  CHECK(first["size"] == pm.size);

  // Adding the same image again replaces its instance; overrides apply.
  f.manifests.add("mylist", {amd}, {.os = "linux", .architecture = "s390x"});
  doc = nlohmann::json::parse(f.manifests.inspect("mylist"));
  REQUIRE(doc["manifests"].size() == 2);
  CHECK(doc["manifests"][1]["platform"]["architecture"] == "s390x");

  f.manifests.annotate("mylist", pm.digest, {.variant = "z"});
  CHECK(f.manifests.get("mylist").entries[1].variant == "z");

  CHECK(code_of([&] { f.manifests.add("mylist", {"containers-storage:nope"}, {}); }) == Errc::not_found);
  CHECK(code_of([&] { f.manifests.remove("mylist", "sha256:" + std::string(64, 'a')); }) == Errc::not_found);
  CHECK(code_of([&] { f.manifests.remove("mylist", "bad"); }) == Errc::invalid_argument);
  CHECK(f.manifests.remove("mylist", pm.digest) == id);
  CHECK(f.manifests.get("mylist").entries.size() == 1);

  auto report = f.manifests.remove_list("mylist");
  CHECK(report.deleted == std::vector<std::string>{id});
  CHECK(report.untagged == std::vector<std::string>{"localhost/mylist:latest"});
  CHECK_FALSE(f.manifests.exists("mylist"));
  CHECK(code_of([&] { f.manifests.inspect("mylist"); }) == Errc::not_found);
  CHECK(code_of([&] { f.manifests.remove_list("mylist"); }) == Errc::not_found);
}

TEST_CASE("manifest lists: create seeds images, survives a restart, refuses bad names", "[manifests]") {
  Fixture f;
  auto amd = f.import_arch("a", "img", "amd64");
  auto id = f.manifests.create("quay.io/x/list:1", {"img"}, {});
  f.open();  // a restart: the list is in the DB
  ManifestService again{f.config, *f.store, *f.images};
  auto list = again.get("quay.io/x/list:1");
  CHECK(list.id == id);
  REQUIRE(list.entries.size() == 1);
  CHECK(list.entries[0].image_id == amd);
  CHECK(code_of([&] { again.create("Bad:Name", {}, {}); }) == Errc::invalid_argument);
}

}  // namespace
