// X-Registry-Auth / X-Registry-Config decoding: both header forms, both base64 alphabets, "null", the "auth" field,
// and 400s for bad base64 or JSON.
#include "server/http/registry_auth.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "core/error.hpp"
#include "tests/support/error_of.hpp"

using namespace berth;

using berth::test::code_of;
using berth::test::error_of;

namespace {

// base64url with padding, as the docker CLI encodes the header.
std::string b64url(std::string_view in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s : {18, 12, 6, 0}) out += table[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    for (int s : {18, 12, 6}) out += table[(v >> s) & 63];
    out += "=";
  }
  return out;
}

}  // namespace

TEST_CASE("base64 decodes both alphabets, with or without padding", "[registry_auth]") {
  CHECK(http::base64_decode("dXNlcjpwdw==") == "user:pw");
  CHECK(http::base64_decode("dXNlcjpwdw") == "user:pw");
  CHECK(http::base64_decode("-_-_") == http::base64_decode("+/+/"));
  CHECK(code_of([] { http::base64_decode("!!!"); }) == core::Errc::invalid_argument);
  CHECK(code_of([] { http::base64_decode("abcde"); }) == core::Errc::invalid_argument);
  CHECK(code_of([] { http::base64_decode("ab=c"); }) == core::Errc::invalid_argument);
}

TEST_CASE("the single X-Registry-Auth form applies to the transfer's registry", "[registry_auth]") {
  auto header = b64url(R"({"username":"tuser","password":"tpass","serveraddress":"127.0.0.1:5094","email":""})");
  auto creds = http::decode_registry_auth(header, "127.0.0.1:5094");
  REQUIRE(creds.size() == 1);
  CHECK(creds.at("127.0.0.1:5094").username == "tuser");
  CHECK(creds.at("127.0.0.1:5094").password == "tpass");
  // No registry known (a podman short name): key "" = whatever registry the transfer reaches.
  auto any = http::decode_registry_auth(header);
  REQUIRE(any.count("") == 1);
  CHECK(any.at("").username == "tuser");
  // docker.io spellings normalise.
  CHECK(http::decode_registry_auth(header, "docker.io").count("docker.io") == 1);
}

TEST_CASE("the auth field and tokens", "[registry_auth]") {
  auto creds = http::decode_registry_auth(b64url(R"({"auth":"dXNlcjpwOnc="})"), "h:5000");
  CHECK(creds.at("h:5000").username == "user");
  CHECK(creds.at("h:5000").password == "p:w");
  auto token = http::decode_registry_auth(b64url(R"({"identitytoken":"tok","registrytoken":"rt"})"), "h:5000");
  CHECK(token.at("h:5000").identity_token == "tok");
  CHECK(token.at("h:5000").registry_token == "rt");
  // An empty AuthConfig (docker CLI without a login sends one) is no credentials.
  CHECK(http::decode_registry_auth(b64url(R"({"serveraddress":"h:5000"})"), "h:5000").empty());
}

TEST_CASE("the map form and X-Registry-Config", "[registry_auth]") {
  auto map =
      b64url(R"({"https://index.docker.io/v1/":{"username":"a","password":"b"},"127.0.0.1:5093":{"username":"c"}})");
  auto creds = http::decode_registry_auth(map, "quay.io");
  CHECK(creds.size() == 2);
  CHECK(creds.at("docker.io").username == "a");
  CHECK(creds.at("127.0.0.1:5093").username == "c");
  CHECK(http::decode_registry_config(map).size() == 2);
  CHECK(http::decode_registry_auth(b64url("{}")).empty());

  http::Headers headers;
  headers.add("X-Registry-Auth", b64url(R"({"username":"x","password":"y"})"));
  headers.add("x-registry-config", map);  // wins
  CHECK(http::request_credentials(headers, "h").size() == 2);
  http::Headers none;
  CHECK(http::request_credentials(none, "h").empty());
}

TEST_CASE("absent, null and malformed headers", "[registry_auth]") {
  CHECK(http::decode_registry_auth("").empty());
  CHECK(http::decode_registry_auth("null").empty());
  CHECK(code_of([] { http::decode_registry_auth("!!!notbase64"); }) == core::Errc::invalid_argument);
  CHECK(code_of([] { http::decode_registry_auth(b64url("{nope")); }) == core::Errc::invalid_argument);
  CHECK(code_of([] { http::decode_registry_auth(b64url("[1,2]")); }) == core::Errc::invalid_argument);
  CHECK(code_of([] { http::decode_registry_auth(b64url(R"({"username":5})")); }) == core::Errc::invalid_argument);
  CHECK(code_of([] { http::decode_registry_config(b64url(R"({"username":"x"})")); }) == core::Errc::invalid_argument);
  try {
    http::decode_registry_auth("!!!notbase64");
  } catch (const core::Error& e) {
    CHECK(e.cause() == "illegal base64 data at input byte 0");
    CHECK(e.message() == "failed to parse \"X-Registry-Auth\" header: illegal base64 data at input byte 0");
  }
}
