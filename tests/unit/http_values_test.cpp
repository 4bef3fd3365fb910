// Query decoding, API version parsing, error mapping and stream framing.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "server/http/error_map.hpp"
#include "server/http/framing.hpp"
#include "server/http/query.hpp"
#include "server/http/version.hpp"

using namespace berth;
using namespace berth::http;

TEST_CASE("query strings decode percent escapes, plus signs and repeated keys", "[query]") {
  Query q("filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D&name=a+b&x=1&x=2&flag&bad=%zz");
  CHECK(q.string("filters") == R"({"label":["a=b"]})");
  CHECK(q.string("name") == "a b");
  CHECK(q.list("x") == std::vector<std::string>{"1", "2"});
  CHECK(q.has("flag"));
  CHECK(q.string("bad") == "%zz");
  CHECK_FALSE(q.optional_string("missing"));
}

TEST_CASE("query booleans follow docker's rules and reject nonsense with a 400", "[query]") {
  Query q("a=1&b=true&c=0&d=false&e=&f=no&g=maybe&h=TRUE&i=none");
  CHECK(q.flag("a"));
  CHECK(q.flag("b"));
  CHECK_FALSE(q.flag("c"));
  CHECK_FALSE(q.flag("d"));
  CHECK_FALSE(q.flag("e"));
  CHECK_FALSE(q.flag("f"));
  CHECK(q.flag("h"));
  CHECK_FALSE(q.flag("i"));
  CHECK(q.flag("missing", true));
  try {
    q.flag("g");
    FAIL("no error");
  } catch (const core::Error& e) {
    CHECK(e.code() == core::Errc::invalid_argument);
    CHECK(e.message().find("g") != std::string::npos);
  }
}

TEST_CASE("query integers name the parameter when they are not integers", "[query]") {
  Query q("t=10&n=-1&bad=1x&empty=");
  CHECK(q.integer("t", 0) == 10);
  CHECK(q.optional_int("n") == -1);
  CHECK_FALSE(q.optional_int("empty"));
  CHECK_THROWS_WITH(q.integer("bad", 0), Catch::Contains("bad"));
}

TEST_CASE("API versions parse and compare", "[version]") {
  CHECK(parse_version("1.41") == ApiVersion{1, 41, 0});
  CHECK(parse_version("4.3.1") == ApiVersion{4, 3, 1});
  CHECK(parse_version("4") == ApiVersion{4, 0, 0});
  CHECK_FALSE(parse_version(""));
  CHECK_FALSE(parse_version("1."));
  CHECK_FALSE(parse_version("1.2.3.4"));
  CHECK_FALSE(parse_version("a.b"));
  CHECK(ApiVersion{1, 24, 0} < ApiVersion{1, 41, 0});
  CHECK(kCompatApi.str() == "1.41");
  CHECK(kLibpodApi.str(true) == "4.3.1");
  CHECK(version_refusal(Tree::compat, {1, 41, 0}).empty());
  CHECK_FALSE(version_refusal(Tree::compat, {1, 23, 0}).empty());
}

TEST_CASE("every response carries the API version headers", "[version]") {
  Headers h;
  add_server_headers(h);
  CHECK(h.get("api-version") == "1.41");
  CHECK(h.get("Libpod-API-Version") == "4.3.1");
  CHECK(h.get("Server") == "Libpod/4.3.1 (linux)");
}

TEST_CASE("each error kind maps to one status with podman's body", "[errors]") {
  using core::Errc;
  CHECK(status_for(Errc::invalid_argument) == 400);
  CHECK(status_for(Errc::unauthorized) == 401);
  CHECK(status_for(Errc::forbidden) == 403);
  CHECK(status_for(Errc::not_found) == 404);
  CHECK(status_for(Errc::conflict) == 409);
  CHECK(status_for(Errc::too_large) == 413);
  CHECK(status_for(Errc::not_implemented) == 501);
  CHECK(status_for(Errc::unavailable) == 503);
  CHECK(status_for(Errc::internal) == 500);

  try {
    core::fail(Errc::not_found, "no such container", "abc");
  } catch (const core::Error& e) {
    auto wrapped = e.wrap("inspect");
    auto reply = error_reply(wrapped);
    auto body = nlohmann::json::parse(reply.body);
    CHECK(reply.status == 404);
    CHECK(body["cause"] == "no such container");
    CHECK(body["message"] == "inspect: abc: no such container");
    CHECK(body["response"] == 404);
    CHECK(reply.headers.get("Content-Type") == "application/json");
  }
  auto other = error_reply(std::make_exception_ptr(std::runtime_error("disk on fire")));
  CHECK(other.status == 500);
  CHECK(nlohmann::json::parse(other.body)["cause"] == "disk on fire");
}

TEST_CASE("framing: json lines, docker multiplexing and raw", "[framing]") {
  std::string out;
  append_frame(out, Framing::json_lines, {1, R"({"a":1})"});
  CHECK(out == "{\"a\":1}\n");

  out.clear();
  append_frame(out, Framing::docker_mux, {2, "hello"});
  CHECK(out == std::string("\x02\x00\x00\x00\x00\x00\x00\x05hello", 13));

  out.clear();
  std::string big(70000, 'x');  // length bytes above 255 are big-endian
  append_frame(out, Framing::docker_mux, {1, big});
  REQUIRE(out.size() == 8 + big.size());
  CHECK(static_cast<unsigned char>(out[5]) == 0x01);
  CHECK(static_cast<unsigned char>(out[6]) == 0x11);
  CHECK(static_cast<unsigned char>(out[7]) == 0x70);

  out.clear();
  append_frame(out, Framing::raw, {1, "abc"});
  append_frame(out, Framing::raw, {2, "def"});
  CHECK(out == "abcdef");
}

TEST_CASE("query names match without case, as podman's clients send them lowercased", "[http]") {
  berth::http::Query q("alltags=true&lookupmanifest=1&Tag=x&tag=y");
  CHECK(q.flag("allTags"));
  CHECK(q.flag("lookupManifest"));
  CHECK(q.string("tag") == "x");
  CHECK(q.list("TAG") == std::vector<std::string>{"x", "y"});
}
