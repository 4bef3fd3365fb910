// core/images: reference grammar, docker normalisation and familiar form, podman short-name candidates, ID prefixes.
#include "core/images/reference.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"

using berth::core::Errc;
using berth::core::Error;
using berth::core::images::candidates;
using berth::core::images::looks_like_id_prefix;
using berth::core::images::parse_reference;
using berth::core::images::Reference;

namespace {
const std::string kHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

struct Valid {
  std::string input;
  std::string full;
  std::string familiar;
  bool short_name;
};
}  // namespace

TEST_CASE("valid references normalise like docker", "[reference]") {
  const std::vector<Valid> table = {
      {"busybox", "docker.io/library/busybox:latest", "busybox:latest", true},
      {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36", true},
      {"library/busybox", "docker.io/library/busybox:latest", "busybox:latest", true},
      {"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest", false},
      {"index.docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest", false},
      // Without a '/', a dotted name is a repository on docker.io, not a registry.
      {"x.com", "docker.io/library/x.com:latest", "x.com:latest", true},
      {"foo/bar", "docker.io/foo/bar:latest", "foo/bar:latest", true},
      {"library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest", true},
      {"quay.io/libpod/alpine:latest", "quay.io/libpod/alpine:latest", "quay.io/libpod/alpine:latest", false},
      {"localhost/foo", "localhost/foo:latest", "localhost/foo:latest", false},
      {"localhost:5000/foo/bar:tag", "localhost:5000/foo/bar:tag", "localhost:5000/foo/bar:tag", false},
      {"127.0.0.1:5000/x", "127.0.0.1:5000/x:latest", "127.0.0.1:5000/x:latest", false},
      {"[::1]:5000/x:v1", "[::1]:5000/x:v1", "[::1]:5000/x:v1", false},
      {"Registry.Example.com/a", "Registry.Example.com/a:latest", "Registry.Example.com/a:latest", false},
      {"busybox@sha256:" + kHex, "docker.io/library/busybox@sha256:" + kHex, "busybox@sha256:" + kHex, true},
      {"quay.io/x/y:1@sha256:" + kHex, "quay.io/x/y:1@sha256:" + kHex, "quay.io/x/y:1@sha256:" + kHex, false},
      {"a__b.c-d---e_f:_T.a-g", "docker.io/library/a__b.c-d---e_f:_T.a-g", "a__b.c-d---e_f:_T.a-g", true},
      {"x:" + std::string(128, 't'), "docker.io/library/x:" + std::string(128, 't'), "x:" + std::string(128, 't'),
       true},
  };
  for (const auto& row : table) {
    INFO(row.input);
    Reference ref = parse_reference(row.input);
    CHECK(ref.str() == row.full);
    CHECK(ref.familiar() == row.familiar);
    CHECK(ref.is_short_name() == row.short_name);
    // The full form parses back to itself.
    CHECK(parse_reference(ref.str()).str() == row.full);
  }
}

TEST_CASE("parsed parts are kept as given", "[reference]") {
  Reference ref = parse_reference("localhost:5000/foo/bar:tag");
  CHECK(ref.domain == "localhost:5000");
  CHECK(ref.path == "foo/bar");
  CHECK(ref.tag == "tag");
  CHECK_FALSE(ref.digest);
  CHECK(ref.name() == "localhost:5000/foo/bar");

  Reference d = parse_reference("busybox@sha256:" + kHex);
  CHECK(d.domain.empty());
  CHECK(d.path == "busybox");
  CHECK(d.tag.empty());
  REQUIRE(d.digest);
  CHECK(d.digest->hex() == kHex);
  CHECK(d.normalized().tag.empty());  // a digest pins the image: no latest is added
}

TEST_CASE("invalid references are rejected with docker's messages", "[reference]") {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"", "invalid reference format"},
      {"Busybox", "invalid reference format: repository name must be lowercase"},
      {"foo/Bar", "invalid reference format: repository name must be lowercase"},
      {"a:b:c", "invalid reference format"},
      {"busybox:", "invalid reference format"},
      {":tag", "invalid reference format"},
      {"busybox:-tag", "invalid reference format"},
      {"x:" + std::string(129, 't'), "invalid reference format"},
      {"foo//bar", "invalid reference format"},
      {"foo/", "invalid reference format"},
      {"-foo", "invalid reference format"},
      {"foo-", "invalid reference format"},
      {"foo..bar", "invalid reference format"},
      {"foo___bar", "invalid reference format"},
      {"foo@sha256:abc", "invalid reference format"},
      {"foo@", "invalid reference format"},
      {"foo@sha256:" + kHex + "00", "invalid checksum digest format"},
      {"foo@md5:" + kHex, "unsupported digest algorithm"},
      {"-x.com/foo", "invalid reference format"},
      {"x.com:port/foo", "invalid reference format"},
      {"[::1/foo", "invalid reference format"},
      {"a/" + std::string(254, 'b'), "repository name must not be more than 255 characters"},
      // library/ counts: 8 + 248 characters.
      {std::string(248, 'b'), "repository name must not be more than 255 characters"},
      {kHex, "invalid repository name (" + kHex + "), cannot specify 64-byte hexadecimal strings"},
  };
  for (const auto& [input, message] : table) {
    INFO(input);
    try {
      parse_reference(input);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == Errc::invalid_argument);
      CHECK(e.message() == message);
    }
  }
  // Exactly 255 characters is still allowed.
  CHECK(parse_reference("a/" + std::string(253, 'b')).path.size() == 255);
  CHECK(parse_reference("quay.io/a/" + std::string(253, 'b')).path.size() == 255);  // the domain does not count
  CHECK(parse_reference(std::string(247, 'b')).normalized().path.size() == 255);
}

TEST_CASE("podman short-name candidates", "[reference]") {
  auto list = candidates(parse_reference("busybox"), {"docker.io", "quay.io"});
  std::vector<std::string> got;
  for (const auto& c : list) got.push_back(c.str());
  CHECK(got == std::vector<std::string>{"localhost/busybox:latest", "docker.io/library/busybox:latest",
                                        "quay.io/busybox:latest"});

  auto tagged = candidates(parse_reference("foo/bar:1"), {"localhost", "docker.io"});
  got.clear();
  for (const auto& c : tagged) got.push_back(c.str());
  CHECK(got == std::vector<std::string>{"localhost/foo/bar:1", "docker.io/foo/bar:1"});
}

TEST_CASE("image ID prefixes", "[reference]") {
  CHECK(looks_like_id_prefix("abc"));
  CHECK(looks_like_id_prefix(kHex));
  CHECK(looks_like_id_prefix("sha256:" + kHex));
  CHECK(looks_like_id_prefix("sha256:ba78"));
  CHECK_FALSE(looks_like_id_prefix("ab"));
  CHECK_FALSE(looks_like_id_prefix(kHex + "0"));
  CHECK_FALSE(looks_like_id_prefix("ABC"));
  CHECK_FALSE(looks_like_id_prefix("busybox"));
  CHECK_FALSE(looks_like_id_prefix("sha256:"));
}
