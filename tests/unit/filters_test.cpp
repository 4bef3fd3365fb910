// The filters query parameter: both docker forms, and malformed input as 400.
#include "server/http/filters.hpp"

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "server/http/error_map.hpp"

using namespace berth;

TEST_CASE("filters parse the list form", "[filters]") {
  auto f = http::parse_filters(R"({"label":["a=b","c"],"dangling":["true"]})");
  CHECK(f.size() == 2);
  CHECK(f["label"] == std::vector<std::string>{"a=b", "c"});
  CHECK(f["dangling"] == std::vector<std::string>{"true"});
}

TEST_CASE("filters parse docker's legacy map form", "[filters]") {
  auto f = http::parse_filters(R"({"reference":{"busybox":true,"alpine":false}})");
  CHECK(f["reference"] == std::vector<std::string>{"busybox"});
}

TEST_CASE("empty and absent filters mean none", "[filters]") {
  CHECK(http::parse_filters("").empty());
  CHECK(http::parse_filters("{}").empty());
  CHECK(http::parse_filters("null").empty());
  CHECK(http::query_filters(http::Query("all=1")).empty());
  CHECK(http::query_filters(http::Query("filters=%7B%22id%22%3A%5B%22ab%22%5D%7D"))["id"] ==
        std::vector<std::string>{"ab"});
}

TEST_CASE("malformed filters are a 400", "[filters]") {
  for (auto bad : {"notjson", "[1]", R"({"a":"b"})", R"({"a":[1]})", R"({"a":{"b":"yes"}})", "{"}) {
    INFO(bad);
    try {
      http::parse_filters(bad);
      FAIL("no error");
    } catch (const core::Error& e) {
      CHECK(http::status_for(e.code()) == 400);
    }
  }
}
