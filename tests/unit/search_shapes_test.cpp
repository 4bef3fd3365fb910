// Image search: docker's and podman's row shapes, and the pure rules podman's libimage applies (filters, names,
// the v2 catalog fallback's matching).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/shapes/search.hpp"
#include "compat/shapes/search.hpp"
#include "core/error.hpp"
#include "core/images/search.hpp"

using nlohmann::json;
namespace core = berth::core;
namespace images = berth::core::images;

namespace {

core::SearchResult official_row() {
  return core::SearchResult{.index = "docker.io",
                            .name = "docker.io/library/alpine",
                            .description = "A minimal image",
                            .stars = 7956,
                            .official = true,
                            .automated = false};
}

core::Errc code_of(const core::Filters& filters) {
  try {
    images::parse_search_filter(filters);
  } catch (const core::Error& e) {
    return e.code();
  }
  FAIL("no error thrown");
  return core::Errc::internal;
}

}  // namespace

TEST_CASE("docker's search row: registry.SearchResult's keys and types", "[search]") {
  json row = berth::compat::shapes::search_result_json(official_row());
  CHECK(row == json{{"description", "A minimal image"},
                    {"is_official", true},
                    {"is_automated", false},
                    {"name", "docker.io/library/alpine"},
                    {"star_count", 7956}});
  json all = berth::compat::shapes::search_json({});
  CHECK(all.is_array());
  CHECK(all.empty());
}

TEST_CASE("podman's search report: [OK] marks and the Tag of a tag row", "[search]") {
  json row = berth::api::shapes::search_report_json(official_row());
  CHECK(row == json{{"Index", "docker.io"},
                    {"Name", "docker.io/library/alpine"},
                    {"Description", "A minimal image"},
                    {"Stars", 7956},
                    {"Official", "[OK]"},
                    {"Automated", ""},
                    {"Tag", ""}});
  core::SearchResult tag_row{.name = "127.0.0.1:5000/busybox", .tag = "1.36"};
  json tags = berth::api::shapes::search_reports_json({tag_row});
  REQUIRE(tags.size() == 1);
  CHECK(tags[0]["Index"] == "");
  CHECK(tags[0]["Tag"] == "1.36");
  CHECK(tags[0]["Official"] == "");
}

TEST_CASE("search filters: podman's ParseSearchFilter", "[search]") {
  auto f = images::parse_search_filter({{"stars", {"3"}}, {"is-official", {"true"}}, {"is-automated", {"false"}}});
  CHECK(f.stars == 3);
  CHECK(f.official == true);
  CHECK(f.automated == false);
  // Anything but "false" means true, as in libimage.
  CHECK(images::parse_search_filter({{"is-official", {"yes"}}}).official == true);
  CHECK(code_of({{"stars", {"many"}}}) == core::Errc::invalid_argument);
  CHECK(code_of({{"stars", {""}}}) == core::Errc::invalid_argument);
  CHECK(code_of({{"label", {"a=b"}}}) == core::Errc::invalid_argument);

  auto row = official_row();
  CHECK(images::search_filter_matches({}, row));
  CHECK(images::search_filter_matches({.stars = 7956}, row));
  CHECK_FALSE(images::search_filter_matches({.stars = 7957}, row));
  CHECK_FALSE(images::search_filter_matches({.official = false}, row));
  CHECK(images::search_filter_matches({.automated = false}, row));
  CHECK_FALSE(images::search_filter_matches({.automated = true}, row));
}

TEST_CASE("search terms, names and the catalog fallback", "[search]") {
  CHECK(images::split_search_term("127.0.0.1:5000/busy") ==
        std::pair<std::string, std::string>{"127.0.0.1:5000", "busy"});
  CHECK(images::split_search_term("busy") == std::pair<std::string, std::string>{"", "busy"});
  CHECK(images::split_search_term("quay.io/") == std::pair<std::string, std::string>{"quay.io", ""});

  CHECK(images::search_result_name("127.0.0.1:5000", "busybox") == "127.0.0.1:5000/busybox");
  CHECK(images::search_result_name("docker.io", "alpine") == "docker.io/library/alpine");
  CHECK(images::search_result_name("index.docker.io", "alpine") == "docker.io/library/alpine");
  CHECK(images::search_result_name("docker.io", "user/app") == "docker.io/user/app");
  CHECK(images::search_result_name("quay.io", "alpine") == "quay.io/alpine");

  std::vector<std::string> catalog{"a/busybox", "busy", "other", "busybox", "tools/busy-2"};
  CHECK(images::catalog_matches(catalog, "busy", 25) ==
        std::vector<std::string>{"busy", "a/busybox", "busybox", "tools/busy-2"});
  CHECK(images::catalog_matches(catalog, "busy", 2) == std::vector<std::string>{"busy", "a/busybox"});
  CHECK(images::catalog_matches(catalog, "", 25).size() == catalog.size());
  CHECK(images::catalog_matches(catalog, "nope", 25).empty());
}
