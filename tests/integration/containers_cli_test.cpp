// Containers through real clients: the docker CLI (run -d, ps and its filters, logs, stop, wait, inspect, create,
// start, restart, kill (docker's waits for the exit), pause, rename, top, rm, prune), podman --remote, and bad input
// answered with clean 4xx.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include "tests/integration/container_cli.hpp"
#include "tests/integration/container_fixtures.hpp"
#include "tests/integration/registry_clients.hpp"
#include "tests/support/berthd.hpp"

using namespace berth::test;
using namespace berth::test::regcli;
using namespace berth::test::ctrcli;

namespace {}  // namespace

TEST_CASE("docker run -d, ps, logs, stop, wait, inspect, rm", "[integration][containers-cli]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  auto id = out_of(d, {"run", "-d", "--name", "web", "--label", "tier=front", "busybox", "sh", "-c",
                       "echo started; echo warn >&2; sleep 100"});
  REQUIRE(std::regex_match(id, std::regex("[0-9a-f]{64}")));
  CHECK(out_of(d, {"ps", "--format", "{{.Names}} {{.Status}}"}).rfind("web Up", 0) == 0);
  CHECK(out_of(d, {"ps", "-q", "--no-trunc"}) == id);
  // Output reaches the log asynchronously (conmon): poll briefly.
  std::string logs;
  for (int i = 0; i < 50; ++i) {
    auto r = docker_ok(d, {"logs", "web"});
    logs = r.out + "|" + r.err;
    if (logs.find("warn") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(logs == "started\n|warn\n");
  // The tail counts lines of both streams: the last two are "started" (stdout) and "warn" (stderr).
  auto ts = out_of(d, {"logs", "-t", "--tail", "2", "web"});
  CHECK(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z started)")));

  CHECK(out_of(d, {"stop", "-t", "1", "web"}) == "web");
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.Name}}", "web"}) == "exited 137 /web");
  CHECK(out_of(d, {"ps", "-a", "--filter", "status=exited", "--format", "{{.Names}}"}) == "web");
  CHECK(out_of(d, {"ps", "-a", "--filter", "label=tier=front", "-q"}) == id.substr(0, 12));

  out_of(d, {"run", "-d", "--name", "three", "busybox", "sh", "-c", "exit 3"});
  CHECK(out_of(d, {"wait", "three"}) == "3");
  CHECK(out_of(d, {"ps", "-a", "--filter", "exited=3", "--format", "{{.Names}}"}) == "three");
  CHECK(out_of(d, {"rm", "web", "three"}) == "web\nthree");
  CHECK(out_of(d, {"ps", "-a", "-q"}).empty());
}

TEST_CASE("docker create, start, restart, kill -s, pause, unpause, rename, top, prune",
          "[integration][containers-cli]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  auto id = out_of(d, {"create", "--name", "box", "busybox", "sleep", "100"});
  CHECK(out_of(d, {"ps", "-a", "--filter", "status=created", "--format", "{{.Names}}"}) == "box");
  CHECK(out_of(d, {"start", "box"}) == "box");
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Running}}", "box"}) == "true");
  auto top = docker_ok(d, {"top", "box"}).out;
  CHECK(mentions(top, "sleep 100"));
  CHECK(out_of(d, {"pause", "box"}) == "box");
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}}", "box"}) == "paused");
  CHECK(out_of(d, {"unpause", "box"}) == "box");
  CHECK(out_of(d, {"rename", "box", "crate"}).empty());
  CHECK(out_of(d, {"restart", "-t", "1", "crate"}) == "crate");
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}}", "crate"}) == "running");
  CHECK(out_of(d, {"kill", "-s", "KILL", "crate"}) == "crate");
  CHECK(out_of(d, {"wait", "crate"}) == "137");
  auto pruned = docker_ok(d, {"container", "prune", "-f"}).out;
  CHECK(mentions(pruned, id));
  CHECK(out_of(d, {"ps", "-a", "-q"}).empty());
}

TEST_CASE("docker's kill returns once the container stopped, a force remove right after a kill succeeds",
          "[integration][containers-cli]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  RemoveAllContainers cleanup{d};
  // docker-py's kill() then reload() expects the container already exited: docker's kill (SIGKILL) waits for it.
  auto id = sleeper(d, "k");
  auto killed = d.request("POST", "/v1.41/containers/" + id + "/kill");
  CHECK(killed.status == 204);
  auto state = d.request("GET", "/v1.41/containers/" + id + "/json").json()["State"];
  CHECK(state["Status"] == "exited");
  CHECK(state["ExitCode"] == 137);
  // libpod's kill does not wait; removing right after it races the exit being recorded, and must still succeed.
  for (int i = 0; i < 10; ++i) {
    INFO("round " << i);
    auto c = sleeper(d, "r" + std::to_string(i));
    CHECK(d.request("POST", "/v4.3.1/libpod/containers/" + c + "/kill").status == 204);
    auto rm = d.request("DELETE", "/v1.41/containers/" + c + "?force=1");
    INFO(rm.body);
    CHECK(rm.status == 204);
    CHECK(d.request("GET", "/v1.41/containers/" + c + "/json").status == 404);
  }
}

TEST_CASE("docker: bad input gets clean errors and leaves nothing behind", "[integration][containers-cli]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  CHECK(mentions(docker_fails(d, {"inspect", "--type", "container", "nosuch"}).err, "no such container"));
  CHECK(mentions(docker_fails(d, {"rm", "nosuch"}).err, "no such container"));
  out_of(d, {"create", "--name", "dup", "busybox", "true"});
  CHECK(mentions(docker_fails(d, {"create", "--name", "dup", "busybox", "true"}).err, "already in use"));
  CHECK(mentions(docker_fails(d, {"run", "-d", "--memory", "1k", "busybox", "true"}).err, "memory"));
  CHECK(mentions(
      docker_fails(d, {"run", "-d", "--mount", "type=bind,source=/nonexistent/x,target=/x", "busybox", "true"}).err,
      "does not exist"));
  CHECK(mentions(docker_fails(d, {"kill", "-s", "NOPE", "dup"}).err, "invalid signal"));
  auto r = d.request("POST", "/v1.41/containers/create",
                     R"({"Image":"busybox","Cmd":["true"],"HostConfig":{"Memory":"lots"}})",
                     {{"Content-Type", "application/json"}});
  CHECK(r.status == 400);
  CHECK(r.json().contains("message"));
  CHECK(out_of(d, {"ps", "-a", "--format", "{{.Names}}"}) == "dup");
  // The failed creates left no directory behind.
  std::size_t dirs = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(d.root() + "/containers")) ++dirs;
  CHECK(dirs == 1);
}

TEST_CASE("podman --remote run -d, ps, logs, inspect, stop, rm", "[integration][containers-cli]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  write_empty_docker_config(d);
  auto podman = [&](const std::vector<std::string>& args) {
    auto r = d.podman(args);
    INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
    REQUIRE(r.exit_code == 0);
    return trim(r.out);
  };
  auto id = podman({"run", "-d", "--name", "pod-less", "docker.io/library/busybox", "sh", "-c", "echo hi; sleep 100"});
  REQUIRE(std::regex_match(id, std::regex("[0-9a-f]{64}")));
  CHECK(podman({"ps", "--format", "{{.Names}}"}) == "pod-less");
  std::string logs;
  for (int i = 0; i < 50 && logs != "hi"; ++i) {
    logs = podman({"logs", "pod-less"});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(logs == "hi");
  CHECK(podman({"inspect", "--format", "{{.State.Status}}", "pod-less"}) == "running");
  podman({"stop", "-t", "1", "pod-less"});
  CHECK(podman({"inspect", "--format", "{{.State.ExitCode}}", "pod-less"}) == "137");
  podman({"rm", "pod-less"});
  CHECK(lines_of(podman({"ps", "-a", "-q"})).empty());
}
