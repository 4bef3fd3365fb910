// Image search through berthd against a plain docker-registry (no v1 search API, so the v2 catalog fallback):
// docker search, podman --remote search (also --list-tags), limits, filters and the error answers.
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/common.hpp"
#include "tests/support/registry.hpp"
#include "tests/support/temp_dir.hpp"

using namespace berth::test;

namespace {

std::string url_escape(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::string line;
  for (char c : text) {
    if (c != '\n') {
      line += c;
      continue;
    }
    if (!line.empty()) out.push_back(line);
    line.clear();
  }
  if (!line.empty()) out.push_back(line);
  return out;
}

// A registry holding busybox (two tags), mirror/busybox-musl and alpine, and a berthd whose registries.conf marks
// it insecure and lists it as the one unqualified-search registry.
struct SearchSetup {
  TestRegistry reg;
  TempDir conf_dir{"berth-search-conf"};
  std::string conf, auth_file;
  std::unique_ptr<Berthd> d;

  SearchSetup() {
    reg.push_image("busybox", "latest");
    reg.push_image("busybox", "1.36");
    reg.push_image("mirror/busybox-musl", "latest");
    reg.push_image("alpine", "latest");
    conf = conf_dir.path() + "/registries.conf";
    std::ofstream out(conf);
    out << "unqualified-search-registries = [\"" << reg.host() << "\"]\n\n"
        << "[[registry]]\nlocation = \"" << reg.host() << "\"\ninsecure = true\n";
    out.close();
    auth_file = conf_dir.path() + "/auth.json";
    std::ofstream(auth_file) << "{}\n";
    d = std::make_unique<Berthd>(BerthdOptions{.env = {{"CONTAINERS_REGISTRIES_CONF", conf}}});
  }

  // The registry goes first: berthd's fixture counts any child of the test still running at its stop as leaked.
  ~SearchSetup() {
    reg.stop();
    d.reset();
  }
  SearchSetup(const SearchSetup&) = delete;
  SearchSetup& operator=(const SearchSetup&) = delete;

  // podman --remote stats its default auth file ($DOCKER_CONFIG/config.json here): give it an empty one.
  RunResult podman(const std::vector<std::string>& args) const {
    return d->podman(args, {{"REGISTRY_AUTH_FILE", auth_file}});
  }

  Response get(const std::string& path, const std::string& term, const std::string& extra = {}) const {
    return d->request("GET", path + "?term=" + url_escape(term) + extra);
  }
};

}  // namespace

TEST_CASE("docker search lists the registry's repositories containing the term", "[search][integration][docker]") {
  SearchSetup s;
  auto r = s.d->docker({"search", "--format", "{{.Name}}", s.reg.host() + "/busy"});
  INFO(r.describe() << "\n--- berthd log ---\n" << s.d->log_tail());
  REQUIRE(r.exit_code == 0);
  CHECK(lines_of(r.out) == std::vector<std::string>{s.reg.host() + "/busybox", s.reg.host() + "/mirror/busybox-musl"});

  auto limited = s.d->docker({"search", "--limit", "1", "--format", "{{.Name}}", s.reg.host() + "/busy"});
  INFO(limited.describe());
  CHECK(lines_of(limited.out) == std::vector<std::string>{s.reg.host() + "/busybox"});

  // The compat rows: docker's keys and types.
  auto api = s.get("/v1.41/images/search", s.reg.host() + "/alp");
  INFO(api.describe());
  REQUIRE(api.status == 200);
  auto rows = api.json();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0] == nlohmann::json{{"description", ""},
                                  {"is_official", false},
                                  {"is_automated", false},
                                  {"name", s.reg.host() + "/alpine"},
                                  {"star_count", 0}});
}

TEST_CASE("podman --remote search, --list-tags and a bare term", "[search][integration][podman]") {
  SearchSetup s;
  auto r = s.podman({"search", "--tls-verify=false", "--format", "{{.Name}}", s.reg.host() + "/busy"});
  INFO(r.describe() << "\n--- berthd log ---\n" << s.d->log_tail());
  REQUIRE(r.exit_code == 0);
  CHECK(lines_of(r.out) == std::vector<std::string>{s.reg.host() + "/busybox", s.reg.host() + "/mirror/busybox-musl"});

  auto tags = s.podman({"search", "--tls-verify=false", "--list-tags", s.reg.host() + "/busybox"});
  INFO(tags.describe());
  REQUIRE(tags.exit_code == 0);
  auto tag_lines = lines_of(tags.out);
  REQUIRE(tag_lines.size() == 3);
  CHECK(tag_lines[0].rfind("NAME", 0) == 0);
  CHECK(std::regex_search(tags.out, std::regex(s.reg.host() + "/busybox +1\\.36\n")));
  CHECK(std::regex_search(tags.out, std::regex(s.reg.host() + "/busybox +latest\n")));

  // A bare term searches the unqualified-search registries; podman's report shape.
  auto api = s.get("/v4.3.1/libpod/images/search", "busy");
  INFO(api.describe());
  REQUIRE(api.status == 200);
  auto rows = api.json();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == nlohmann::json{{"Index", s.reg.host()},
                                  {"Name", s.reg.host() + "/busybox"},
                                  {"Description", ""},
                                  {"Stars", 0},
                                  {"Official", ""},
                                  {"Automated", ""},
                                  {"Tag", ""}});

  auto listed = s.get("/v4.3.1/libpod/images/search", s.reg.host() + "/busybox", "&listTags=true&limit=1");
  INFO(listed.describe());
  REQUIRE(listed.status == 200);
  REQUIRE(listed.json().size() == 1);
  CHECK(listed.json()[0]["Index"] == "");
  CHECK(listed.json()[0]["Name"] == s.reg.host() + "/busybox");
}

TEST_CASE("search limits and filters", "[search][integration]") {
  SearchSetup s;
  std::string term = s.reg.host() + "/busy";
  auto one = s.get("/v4.3.1/libpod/images/search", term, "&limit=1");
  REQUIRE(one.status == 200);
  CHECK(one.json().size() == 1);

  auto filters = [](const std::string& json) { return "&filters=" + url_escape(json); };
  // Catalog hits have no stars and are neither official nor automated.
  auto all = s.get("/v4.3.1/libpod/images/search", term, filters(R"({"stars":["0"],"is-official":["false"]})"));
  REQUIRE(all.status == 200);
  CHECK(all.json().size() == 2);
  auto none = s.get("/v4.3.1/libpod/images/search", term, filters(R"({"is-official":["true"]})"));
  REQUIRE(none.status == 200);
  CHECK(none.json().empty());
  auto starred = s.get("/v4.3.1/libpod/images/search", term, filters(R"({"stars":["1"]})"));
  REQUIRE(starred.status == 200);
  CHECK(starred.json().empty());
  // docker's legacy filter form, and the compat tree's 404 for no result at all (as podman).
  auto legacy = s.get("/v1.41/images/search", term, filters(R"({"is-automated":{"true":true}})"));
  check_error_reply(legacy, 404, "failed to find image");

  auto docker = s.d->docker({"search", "--filter", "is-official=true", s.reg.host() + "/busy"});
  INFO(docker.describe());
  CHECK(docker.exit_code != 0);

  check_error_reply(s.get("/v4.3.1/libpod/images/search", term, filters(R"({"label":["a=b"]})")), 400,
                    "invalid filter type");
  check_error_reply(s.get("/v1.41/images/search", term, filters(R"({"stars":["many"]})")), 400, "stars");
  check_error_reply(s.get("/v4.3.1/libpod/images/search", term, "&filters=%7Bnope"), 400);
}

TEST_CASE("searching an unreachable registry answers 503", "[search][integration]") {
  SearchSetup s;
  std::string host = "127.0.0.1:" + std::to_string(free_tcp_port());
  check_error_reply(s.get("/v4.3.1/libpod/images/search", host + "/busy", "&tlsVerify=false"), 503,
                    "couldn't search registry");
  check_error_reply(s.get("/v1.41/images/search", host + "/busy", "&tlsVerify=false"), 503, "couldn't search registry");
  check_error_reply(s.get("/v4.3.1/libpod/images/search", host + "/busybox", "&tlsVerify=false&listTags=true"), 503,
                    "getting repository tags");
  auto r = s.podman({"search", "--tls-verify=false", host + "/busy"});
  INFO(r.describe());
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("couldn't search registry") != std::string::npos);
  check_still_serves(*s.d);
}
