// podman --remote and docker-py pulling and pushing through berthd, and what goes wrong: unknown repositories,
// corrupt blobs, registries that never answer and clients that hang up mid-pull.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/integration/registry_clients.hpp"

using namespace berth::test;
using namespace berth::test::regcli;

TEST_CASE("podman --remote pull and push with --tls-verify=false", "[integration][registry-cli]") {
  TestRegistry reg;
  auto pushed = reg.push_image("test/busybox", "1", {.layers = 2});
  Berthd d;  // no registries.conf entry: --tls-verify=false alone allows plain http
  std::string ref = reg.host() + "/test/busybox:1";
  // podman's client takes $DOCKER_CONFIG/config.json (the fixture sets DOCKER_CONFIG) as its auth file and fails
  // when it does not exist, as it would for any user with DOCKER_CONFIG set.
  for (const auto& [name, value] : d.cli_env())
    if (name == "DOCKER_CONFIG") {
      std::filesystem::create_directories(value);
      std::ofstream(value + "/config.json") << "{}\n";
    }

  auto pull = d.podman({"pull", "--tls-verify=false", ref});
  INFO(pull.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(pull.exit_code == 0);
  CHECK(trim(pull.out) == hex(pushed.config_digest));
  CHECK(has_line(pull.err, "Trying to pull " + ref + "\\.\\.\\."));
  CHECK(has_line(pull.err, "Writing manifest to image destination"));

  std::string other = reg.host() + "/test/other:2";
  auto push = d.podman({"push", "--tls-verify=false", ref, other});
  INFO(push.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(push.exit_code == 0);
  auto manifest = reg.request("GET", "/v2/test/other/manifests/2", {},
                              {{"Accept",
                                "application/vnd.oci.image.manifest.v1+json, "
                                "application/vnd.docker.distribution.manifest.v2+json"}});
  INFO(manifest.describe());
  CHECK(manifest.status == 200);
  CHECK(manifest.json()["layers"].size() == 2);

  auto rmi = d.podman({"rmi", ref});
  INFO(rmi.describe());
  REQUIRE(rmi.exit_code == 0);
  auto back = d.podman({"pull", "--tls-verify=false", other});
  INFO(back.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(back.exit_code == 0);
  CHECK(trim(back.out) == hex(pushed.config_digest));
  CHECK(docker_inspect(d, "{{json .RepoTags}}", hex(pushed.config_digest)) == "[\"" + other + "\"]");

  auto missing = d.podman({"pull", "--tls-verify=false", reg.host() + "/test/nothere:1"});
  INFO(missing.describe());
  CHECK(missing.exit_code != 0);
  CHECK(mentions(missing.err, "manifest unknown|not found"));
}

TEST_CASE("docker-py streams pull progress", "[integration][registry-cli]") {
  TestRegistry reg;
  auto pushed = reg.push_image("test/busybox", "1", {.layers = 2});
  TempDir tmp;
  Berthd d(with_registries_conf(tmp, insecure_entry(reg.host())));
  auto script = tmp.write("pull.py",
                          "import docker, json, sys\n"
                          "c = docker.APIClient(base_url='unix://' + sys.argv[1])\n"
                          "events = list(c.pull(sys.argv[2], tag=sys.argv[3], stream=True, decode=True))\n"
                          "print(json.dumps(events))\n");
  auto r = run({"python3", script, d.socket(), reg.host() + "/test/busybox", "1"}, d.cli_env());
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(r.exit_code == 0);
  auto events = nlohmann::json::parse(r.out);
  REQUIRE(events.is_array());
  REQUIRE(!events.empty());

  // Per layer: "Pulling fs layer" before "Pull complete"; every event is an object with a status.
  for (const auto& digest : pushed.layer_digests) {
    std::string id = hex(digest).substr(0, 12);
    long first = -1, complete = -1;
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (events[i].value("id", "") != id) continue;
      if (events[i].value("status", "") == "Pulling fs layer" && first < 0) first = static_cast<long>(i);
      if (events[i].value("status", "") == "Pull complete") complete = static_cast<long>(i);
    }
    INFO("layer " << id << " in " << events.dump());
    CHECK(first >= 0);
    CHECK(complete > first);
  }
  for (const auto& e : events) CHECK(!e.contains("error"));
  CHECK(events.back().value("status", "") == "Status: Downloaded newer image for " + reg.host() + "/test/busybox:1");
  t(d, "GET", "/images/" + reg.host() + "/test/busybox:1/json", 200, {{".Id", pushed.config_digest}});
}

TEST_CASE("docker pull errors: unknown repository, corrupt blob leaves nothing behind", "[integration][registry-cli]") {
  TestRegistry reg;
  auto pushed = reg.push_image("test/corrupt", "1");
  TempDir tmp;
  Berthd d(with_registries_conf(tmp, insecure_entry(reg.host())));

  auto unknown = docker_fails(d, {"pull", reg.host() + "/test/nothere:1"});
  CHECK(mentions(unknown.err, "not found|manifest unknown"));

  // Same size, other bytes: only the digest check can tell.
  auto blob = reg.blob_path(pushed.layer_digests[0]);
  auto size = std::filesystem::file_size(blob);
  { std::ofstream(blob, std::ios::binary | std::ios::trunc) << std::string(size, 'x'); }
  auto blobs_before = blob_files(d);
  auto corrupt = docker_fails(d, {"pull", reg.host() + "/test/corrupt:1"});
  CHECK(mentions(corrupt.err, "digest"));
  CHECK(mentions(corrupt.err, "mismatch|did not match|does not match"));
  CHECK(trim(docker_ok(d, {"images", "-q"}).out).empty());
  CHECK(blob_files(d) == blobs_before);
  CHECK(!std::filesystem::exists(d.root() + "/blobs/sha256/" + hex(pushed.layer_digests[0])));
  check_still_serves(d);
}

TEST_CASE("docker pull from a registry that never answers times out, berthd keeps serving",
          "[integration][registry-cli]") {
  HangingServer hang;
  TempDir tmp;
  Berthd d(with_registries_conf(tmp, insecure_entry(hang.host()), {{"BERTH_REGISTRY_TIMEOUT_S", "2"}}));
  auto start = std::chrono::steady_clock::now();
  auto r = d.docker({"pull", hang.host() + "/test/x:1"}, {}, std::chrono::seconds(30));
  auto elapsed = std::chrono::steady_clock::now() - start;
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code != 0);
  CHECK(!r.timed_out);
  CHECK(elapsed < std::chrono::seconds(10));
  CHECK(mentions(r.err, "time.?out|timed out"));
  check_still_serves(d);
}

TEST_CASE("a client hanging up mid-pull cancels it, the next pull works", "[integration][registry-cli]") {
  HangingServer hang;
  TestRegistry reg;
  auto pushed = reg.push_image("test/busybox", "1");
  TempDir tmp;
  // Default (long) registry timeouts: only the cancellation can end the stuck pull early.
  Berthd d(with_registries_conf(tmp, insecure_entry(hang.host()) + insecure_entry(reg.host())));

  auto curl = run({"curl", "-sS", "-m", "1", "--unix-socket", d.socket(), "-X", "POST",
                   "http://d/v1.41/images/create?fromImage=" + hang.host() + "/test/x&tag=1"});
  INFO(curl.describe());
  CHECK(curl.exit_code == 28);  // curl's "operation timed out": it hung up on berthd

  // berthd drops its registry connection well before its 30/60 s timeouts would.
  INFO("--- berthd log ---\n" << d.log_tail());
  CHECK(hang.peer_closes_within(std::chrono::seconds(10)));
  check_still_serves(d);

  auto pull = docker_ok(d, {"pull", reg.host() + "/test/busybox:1"});
  CHECK(has_line(pull.out, "Status: Downloaded newer image for " + reg.host() + "/test/busybox:1"));
  CHECK(docker_inspect(d, "{{.Id}}", reg.host() + "/test/busybox:1") == pushed.config_digest);
}
