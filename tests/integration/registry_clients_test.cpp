// docker CLI against real registries through berthd: push and pull round trips, login/logout with Basic and Bearer
// auth, manifest lists and platforms, mirrors, and plain http refused unless registries.conf allows it.
#include "tests/integration/registry_clients.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace berth::test;
using namespace berth::test::regcli;

TEST_CASE("docker push, rmi, pull: same image ID, up to date, by digest, layers exist", "[integration][registry-cli]") {
  TestRegistry reg;
  TempDir tmp;
  Berthd d(with_registries_conf(tmp, insecure_entry(reg.host())));
  auto id = docker_import(d, tmp, "pushed", "bb-orig:latest");
  std::string ref = reg.host() + "/test/busybox:1";
  docker_ok(d, {"tag", "bb-orig:latest", ref});

  auto push = docker_ok(d, {"push", ref});
  CHECK(has_line(push.out, "The push refers to repository \\[" + reg.host() + "/test/busybox\\]"));
  CHECK(matching_lines(push.out, "[0-9a-f]{12}: Pushed").size() == 1);
  auto digest_lines = matching_lines(push.out, "1: digest: sha256:[0-9a-f]{64} size: [1-9][0-9]*");
  REQUIRE(digest_lines.size() == 1);
  std::string digest = digest_lines[0].substr(11, 71);
  // The registry serves that manifest under the tag.
  auto head = reg.request("HEAD", "/v2/test/busybox/manifests/1", {},
                          {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"}});
  CHECK(head.status == 200);
  CHECK(head.header("Docker-Content-Digest") == digest);

  docker_ok(d, {"rmi", "bb-orig:latest", ref});
  CHECK(trim(docker_ok(d, {"images", "-q"}).out).empty());

  auto pull = docker_ok(d, {"pull", ref});
  CHECK(has_line(pull.out, "1: Pulling from test/busybox"));
  CHECK(has_line(pull.out, "[0-9a-f]{12}: Pulling fs layer"));
  CHECK(has_line(pull.out, "[0-9a-f]{12}: Pull complete"));
  CHECK(has_line(pull.out, "Digest: " + digest));
  CHECK(has_line(pull.out, "Status: Downloaded newer image for " + ref));
  CHECK(docker_inspect(d, "{{.Id}}", ref) == id);
  CHECK(docker_inspect(d, "{{json .RepoDigests}}", ref) == "[\"" + reg.host() + "/test/busybox@" + digest + "\"]");
  // The pulled image runs its layer's busybox: the rootfs is really there.
  CHECK(docker_inspect(d, "{{len .RootFS.Layers}}", ref) == "1");

  auto again = docker_ok(d, {"pull", ref});
  CHECK(has_line(again.out, "Status: Image is up to date for " + ref));
  CHECK(!has_line(again.out, ".*Pull complete"));

  std::string by_digest = reg.host() + "/test/busybox@" + digest;
  auto pinned = docker_ok(d, {"pull", by_digest});
  CHECK(has_line(pinned.out, "Status: (Image is up to date|Downloaded newer image) for " + by_digest));
  CHECK(docker_inspect(d, "{{.Id}}", by_digest) == id);

  auto repush = docker_ok(d, {"push", ref});
  CHECK(matching_lines(repush.out, "[0-9a-f]{12}: Layer already exists").size() == 1);
  CHECK(!has_line(repush.out, ".*: Pushed"));
  CHECK(has_line(repush.out, "1: digest: " + digest + " size: [0-9]+"));
}

TEST_CASE("docker login/logout against Basic auth: credentials go with push and pull", "[integration][registry-cli]") {
  TestRegistry reg({.auth = RegistryAuth::htpasswd});
  TempDir tmp;
  Berthd d(with_registries_conf(tmp, insecure_entry(reg.host())));
  // The CLI's config outside berthd's HOME: credentials can only reach berthd in X-Registry-Auth.
  Env cli{{"DOCKER_CONFIG", tmp.sub("docker-cli")}};
  std::string ref = reg.host() + "/test/auth:1";

  auto bad = docker_stdin(d, {"login", "-u", reg.user(), "--password-stdin", reg.host()}, cli, "wrong\n");
  INFO(bad.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(bad.exit_code != 0);
  CHECK(mentions(bad.err, "unauthorized"));
  CHECK(!std::filesystem::exists(tmp.sub("docker-cli/config.json")));

  auto good = docker_stdin(d, {"login", "-u", reg.user(), "--password-stdin", reg.host()}, cli, reg.password() + "\n");
  INFO(good.describe());
  REQUIRE(good.exit_code == 0);
  CHECK(has_line(good.out, "Login Succeeded"));
  auto config = nlohmann::json::parse(read_file_bytes(tmp.sub("docker-cli/config.json")));
  CHECK(config["auths"].contains(reg.host()));

  auto id = docker_import(d, tmp, "authed", ref);
  auto push = docker_ok(d, {"push", ref}, cli);
  CHECK(has_line(push.out, "1: digest: sha256:[0-9a-f]{64} size: [0-9]+"));
  docker_ok(d, {"rmi", ref}, cli);
  auto pull = docker_ok(d, {"pull", ref}, cli);
  CHECK(has_line(pull.out, "Status: Downloaded newer image for " + ref));
  CHECK(docker_inspect(d, "{{.Id}}", ref) == id);

  auto logout = docker_ok(d, {"logout", reg.host()}, cli);
  CHECK(has_line(logout.out, "Removing login credentials for " + reg.host()));
  docker_ok(d, {"rmi", ref}, cli);
  auto denied = docker_fails(d, {"pull", ref}, cli);
  CHECK(mentions(denied.err, "unauthorized"));
  CHECK(trim(docker_ok(d, {"images", "-q"}).out).empty());
}

TEST_CASE("docker login and pull against a Bearer token registry", "[integration][registry-cli]") {
  TestRegistry reg({.auth = RegistryAuth::token});
  auto pushed = reg.push_image("test/busybox", "1");
  TempDir tmp;
  Berthd d(with_registries_conf(tmp, insecure_entry(reg.host())));
  Env cli{{"DOCKER_CONFIG", tmp.sub("docker-cli")}};
  std::string ref = reg.host() + "/test/busybox:1";

  // Anonymous: the token server refuses a token for the repository.
  auto anon = docker_fails(d, {"pull", ref}, cli);
  CHECK(mentions(anon.err, "unauthorized|denied|authentication required"));

  auto login = docker_stdin(d, {"login", "-u", reg.user(), "--password-stdin", reg.host()}, cli, reg.password() + "\n");
  INFO(login.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(login.exit_code == 0);
  CHECK(has_line(login.out, "Login Succeeded"));

  auto pull = docker_ok(d, {"pull", ref}, cli);
  CHECK(has_line(pull.out, "Digest: " + pushed.manifest_digest));
  CHECK(has_line(pull.out, "Status: Downloaded newer image for " + ref));
  CHECK(docker_inspect(d, "{{.Id}}", ref) == pushed.config_digest);
}

TEST_CASE("manifest list: docker pull takes amd64, platform=linux/arm64 takes arm64", "[integration][registry-cli]") {
  TestRegistry reg;
  auto pushed = reg.push_image("test/multi", "1", {.index = true});
  REQUIRE(pushed.platform_digests.size() == 2);
  TempDir tmp;
  Berthd d(with_registries_conf(tmp, insecure_entry(reg.host())));
  std::string ref = reg.host() + "/test/multi:1";

  auto pull = docker_ok(d, {"pull", ref});
  CHECK(has_line(pull.out, "Digest: " + pushed.manifest_digest));
  CHECK(docker_inspect(d, "{{.Architecture}} {{.Os}} {{.Id}}", ref) == "amd64 linux " + pushed.config_digest);

  // The arm64 image's config digest, from its manifest in the registry.
  auto arm_manifest = reg.request("GET", "/v2/test/multi/manifests/" + pushed.platform_digests[1], {},
                                  {{"Accept",
                                    "application/vnd.oci.image.manifest.v1+json, "
                                    "application/vnd.docker.distribution.manifest.v2+json"}});
  REQUIRE(arm_manifest.status == 200);
  std::string arm_config = arm_manifest.json()["config"]["digest"];
  REQUIRE(arm_config != pushed.config_digest);

  auto r = d.request("POST", "/v1.41/images/create?fromImage=" + reg.host() + "/test/multi&tag=1&platform=linux/arm64");
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(r.status == 200);
  CHECK(r.body.find("\"error") == std::string::npos);
  CHECK(r.body.find("Status: Downloaded newer image for " + ref) != std::string::npos);
  CHECK(docker_inspect(d, "{{.Architecture}} {{.Id}}", ref) == "arm64 " + arm_config);
  CHECK(docker_inspect(d, "{{.Architecture}}", pushed.config_digest) == "amd64");
}

TEST_CASE("registries.conf mirror: docker pull of an unreachable registry goes through the mirror",
          "[integration][registry-cli]") {
  TestRegistry reg;
  auto pushed = reg.push_image("test/busybox", "1");
  TempDir tmp;
  Berthd d(with_registries_conf(tmp,
                                "[[registry]]\nlocation = \"example.invalid:5000\"\n\n[[registry.mirror]]\n"
                                "location = \"" +
                                    reg.host() + "\"\ninsecure = true\n"));
  std::string ref = "example.invalid:5000/test/busybox:1";
  auto pull = docker_ok(d, {"pull", ref});
  CHECK(has_line(pull.out, "Status: Downloaded newer image for " + ref));
  CHECK(docker_inspect(d, "{{.Id}} {{json .RepoTags}}", ref) == pushed.config_digest + " [\"" + ref + "\"]");

  // Not configured as a mirror for anything else: another unreachable registry just fails.
  auto other = docker_fails(d, {"pull", "other.invalid:5000/test/busybox:1"});
  CHECK(mentions(other.err, "other\\.invalid"));
}

TEST_CASE("docker pull from a plain http registry is refused unless registries.conf marks it insecure",
          "[integration][registry-cli]") {
  TestRegistry reg;
  reg.push_image("test/busybox", "1");
  TempDir tmp;
  Berthd d(with_registries_conf(tmp, "# nothing insecure\n"));
  std::string ref = reg.host() + "/test/busybox:1";

  auto pull = docker_fails(d, {"pull", ref});
  CHECK(mentions(pull.err, "https"));
  CHECK(mentions(pull.err, "http response|http server|tls|ssl"));
  CHECK(trim(docker_ok(d, {"images", "-q"}).out).empty());

  auto login = docker_stdin(d, {"login", "-u", "x", "--password-stdin", reg.host()}, {}, "y\n");
  CHECK(login.exit_code != 0);
}

TEST_CASE("docker pull over HTTPS trusts the registry's CA from certs.d, and refuses it without",
          "[integration][registry-cli]") {
  TestRegistry reg({.tls = true});
  reg.push_image("test/busybox", "1");
  std::string ref = reg.host() + "/test/busybox:1";
  TempDir tmp;
  {
    // No registries.conf entry: the registry is secure, so only the certs.d CA can make the certificate trusted.
    Berthd d(with_registries_conf(tmp, "", {{"CONTAINERS_CERTS_D", reg.certs_d()}}));
    auto pull = docker_ok(d, {"pull", ref});
    CHECK(has_line(pull.out, "Status: Downloaded newer image for " + ref));
    CHECK(docker_inspect(d, "{{.Os}}", ref) == "linux");
  }
  {
    TempDir empty_certs;
    Berthd d(with_registries_conf(tmp, "", {{"CONTAINERS_CERTS_D", empty_certs.path()}}));
    auto refused = docker_fails(d, {"pull", ref});
    CHECK(mentions(refused.out + refused.err, "certificate"));
    CHECK(trim(docker_ok(d, {"images", "-q"}).out).empty());
  }
}
