// The harness itself: jq-style path rendering, `run` (exit codes, streams, stdin, timeout) and the environment
// handed to CLIs, so that a failing integration test points at berthd, not at its tools.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>

#include "tests/support/api_client.hpp"

using namespace berth::test;
using namespace std::chrono_literals;

TEST_CASE("jq_render prints what jq -r prints", "[integration][harness]") {
  auto doc = nlohmann::json::parse(R"({
    "s": "text", "i": 2, "f": 7.15, "b": false, "n": null, "a": [{"x": 1}, {"x": "two"}],
    "o": {"k": [1, 2]}, "with space": {"y": true}
  })");
  CHECK(jq_render(doc, ".s") == "text");
  CHECK(jq_render(doc, ".i") == "2");
  CHECK(jq_render(doc, ".f") == "7.15");
  CHECK(jq_render(doc, ".b") == "false");
  CHECK(jq_render(doc, ".n") == "null");
  CHECK(jq_render(doc, ".missing") == "null");
  CHECK(jq_render(doc, ".missing.deeper") == "null");
  CHECK(jq_render(doc, ".a[0].x") == "1");
  CHECK(jq_render(doc, ".a[1].x") == "two");
  CHECK(jq_render(doc, ".a[5]") == "null");
  CHECK(jq_render(doc, ".o") == R"({"k":[1,2]})");
  CHECK(jq_render(doc, ".o.k|length") == "2");
  CHECK(jq_render(doc, ".s | length") == "4");
  CHECK(jq_render(doc, R"(.["with space"].y)") == "true");
  CHECK(jq_render(doc, ".") == doc.dump());
  CHECK(jq_render(doc, ".s.x").rfind("<cannot index", 0) == 0);
  CHECK_THROWS(jq_render(doc, "s"));
  CHECK_THROWS(jq_render(doc, ".a[x]"));
}

TEST_CASE("run captures the exit code and both streams and feeds stdin", "[integration][harness]") {
  auto r = run({"sh", "-c", "cat; echo oops >&2; exit 3"}, {}, 10s, "fed in");
  CHECK(r.exit_code == 3);
  CHECK(r.out == "fed in");
  CHECK(r.err == "oops\n");
  CHECK_FALSE(r.timed_out);

  auto missing = run({"/nonexistent/binary"});
  CHECK(missing.exit_code == 127);
}

TEST_CASE("run kills a command that outlives its timeout", "[integration][harness]") {
  auto r = run({"sh", "-c", "sleep 30 & sleep 30"}, {}, 200ms);
  CHECK(r.timed_out);
  CHECK(r.exit_code == 128 + SIGKILL);
}

TEST_CASE("CLIs get none of the machine's DOCKER_* or CONTAINER_HOST settings", "[integration][harness]") {
  ::setenv("DOCKER_HOST", "unix:///var/run/docker.sock", 1);
  ::setenv("CONTAINER_HOST", "unix:///run/podman/podman.sock", 1);
  auto env = child_environment({{"MINE", "1"}, {"MINE", "2"}});
  ::unsetenv("DOCKER_HOST");
  ::unsetenv("CONTAINER_HOST");
  auto has = [&](const std::string& entry) { return std::find(env.begin(), env.end(), entry) != env.end(); };
  CHECK_FALSE(has("DOCKER_HOST=unix:///var/run/docker.sock"));
  CHECK_FALSE(has("CONTAINER_HOST=unix:///run/podman/podman.sock"));
  CHECK(has("MINE=2"));
  CHECK_FALSE(has("MINE=1"));
}
