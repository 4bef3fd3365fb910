// JsonWriter must write what nlohmann's dump() would, byte for byte: the listing's golden tests parse its output,
// but clients read the text.
#include "server/http/json_writer.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using berth::http::JsonWriter;
using json = nlohmann::json;

namespace {
std::string nlohmann_dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
}  // namespace

TEST_CASE("JsonWriter escapes strings as nlohmann does, invalid UTF-8 replaced", "[json_writer]") {
  const std::vector<std::string> cases = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      std::string("ctl \x01\x1f\b\f\n\r\t end"),
      "utf-8: é ✓ 😀",
      std::string("bad: \xff \xc3 \xe2\x82 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf end"),
      std::string("nul \0 inside", 12),
      "\x7f del",
  };
  for (const auto& s : cases) {
    JsonWriter w;
    w.value(s);
    CHECK(w.str() == nlohmann_dump(json(s)));
  }
}

TEST_CASE("JsonWriter nests objects and arrays with commas in the right places", "[json_writer]") {
  JsonWriter w;
  w.begin_array();
  w.begin_object()
      .field("a", 1)
      .field("b", std::string("x"))
      .field("c", true)
      .key("d")
      .null()
      .field("e", std::vector<std::string>{"p", "q"})
      .field("f", std::map<std::string, std::string>{{"k", "v"}, {"k2", "v2"}})
      .key("g")
      .begin_array()
      .end_array()
      .key("h")
      .begin_object()
      .end_object()
      .key("i")
      .raw(R"({"z":[1,2]})")
      .field("j", std::int64_t{-9007199254740993})
      .end_object();
  w.begin_object().end_object();
  w.value("last");
  w.end_array();
  json expected = json::array({{{"a", 1},
                                {"b", "x"},
                                {"c", true},
                                {"d", nullptr},
                                {"e", {"p", "q"}},
                                {"f", {{"k", "v"}, {"k2", "v2"}}},
                                {"g", json::array()},
                                {"h", json::object()},
                                {"i", {{"z", {1, 2}}}},
                                {"j", -9007199254740993LL}},
                               json::object(),
                               "last"});
  CHECK(w.str() == nlohmann_dump(expected));  // keys were written in sorted order, as nlohmann keeps them
}
