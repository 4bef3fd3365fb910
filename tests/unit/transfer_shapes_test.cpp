// Pull/push/login shapes of both trees against podman 4.3.1's recorded streams (tests/golden/podman-4.3.1/pull_*,
// push_*, auth_*): the libpod lines byte for byte for the same events, docker's lines by keys and order.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api/shapes/transfer.hpp"
#include "compat/shapes/transfer.hpp"
#include "tests/unit/golden_shape.hpp"

using nlohmann::json;
namespace core = berth::core;
namespace compat_shapes = berth::compat::shapes;
namespace api_shapes = berth::api::shapes;
using Kind = core::TransferEvent::Kind;

namespace {

std::vector<std::string> golden_lines(const std::string& name) {
  std::istringstream in(berth::test::golden_text(name));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

core::TransferEvent message(std::string text) { return {.kind = Kind::message, .status = std::move(text)}; }
core::TransferEvent layer(std::string id, std::string status, std::uint64_t current = 0, std::uint64_t total = 0) {
  return {.kind = Kind::layer, .id = std::move(id), .status = std::move(status), .current = current, .total = total};
}

template <class Stream>
std::vector<std::string> run(Stream& stream, const std::vector<core::TransferEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    for (auto& line : stream.lines(e)) out.push_back(line);
  return out;
}

std::vector<std::string> keys(const std::string& line) {
  std::vector<std::string> out;
  auto doc = nlohmann::ordered_json::parse(line);
  for (auto& [k, v] : doc.items()) out.push_back(k);
  return out;
}

const std::string kImage = "0b31b857c4f9f45a7311df044fe68396df6f8a2b4e8fad6c89c847cbc709e0de";

// What podman's copy code printed for the recorded pull (the engine reports the same lines as messages).
std::vector<core::TransferEvent> podman_pull_events() {
  return {message("Trying to pull 127.0.0.1:5093/library/bbtest:latest..."),
          message("Getting image source signatures"),
          message("Copying blob sha256:3008e7daa9e2ce40d2d9ceb6b8ae82549d4ac6e10f86da9ecba247648d41e188"),
          layer("3008e7daa9e2", "Pulling fs layer"),
          layer("3008e7daa9e2", "Downloading", 100, 1000),
          layer("3008e7daa9e2", "Pull complete"),
          message("Copying config sha256:" + kImage),
          message("Writing manifest to image destination"),
          message("Storing signatures"),
          message("Digest: sha256:36ab"),
          message("Status: Downloaded newer image for 127.0.0.1:5093/library/bbtest:latest"),
          {.kind = Kind::done, .image_ids = {kImage}}};
}

}  // namespace

TEST_CASE("libpod pull stream matches podman's lines", "[shapes][transfer]") {
  api_shapes::PodmanTransferStream stream(false, false);
  CHECK(run(stream, podman_pull_events()) == golden_lines("pull_libpod.jsonl"));

  api_shapes::PodmanTransferStream quiet(true, false);
  CHECK(run(quiet, podman_pull_events()) == golden_lines("pull_libpod_quiet.jsonl"));

  auto missing = golden_lines("pull_libpod_missing.jsonl");
  auto error_text = json::parse(missing.back())["error"].get<std::string>();
  CHECK(api_shapes::transfer_error_line(error_text) == missing.back());
}

TEST_CASE("libpod stream announces layers itself when the engine writes no copy lines", "[shapes][transfer]") {
  api_shapes::PodmanTransferStream stream(false, false);
  auto lines = run(stream, {layer("3008e7daa9e2", "Pulling fs layer"),
                            layer("3008e7daa9e2", "Downloading", 1, 2),
                            layer("aaaaaaaaaaaa", "Already exists"),
                            {.kind = Kind::done, .image_ids = {"a", "b"}}});
  CHECK(lines == std::vector<std::string>{R"({"stream":"Copying blob 3008e7daa9e2\n"})",
                                          R"({"stream":"Copying blob aaaaaaaaaaaa skipped: already exists\n"})",
                                          R"({"images":["a","b"],"id":"b"})"});
}

TEST_CASE("libpod push stream matches podman's lines and sends no report", "[shapes][transfer]") {
  api_shapes::PodmanTransferStream stream(false, true);
  auto lines =
      run(stream, {message("Getting image source signatures"),
                   message("Copying blob sha256:4f154c0a8cf4bb325121005b4c98243c36664fa88c8d42e575bfb4462f889d8c"),
                   layer("4f154c0a8cf4", "Pushing", 5, 10),
                   message("Copying config sha256:" + kImage),
                   message("Writing manifest to image destination"),
                   message("Storing signatures"),
                   {.kind = Kind::done, .digest = "sha256:36ab", .size = 348}});
  CHECK(lines == golden_lines("push_libpod.jsonl"));
  auto failed = golden_lines("push_libpod_error.jsonl");
  CHECK(api_shapes::transfer_error_line(json::parse(failed.back())["error"].get<std::string>()) == failed.back());
}

TEST_CASE("docker progress text", "[shapes][transfer]") {
  CHECK(compat_shapes::progress_text(0, 0).empty());
  CHECK(compat_shapes::progress_text(1215000, 5000000) ==
        "[============>                                      ]  1.215MB/5MB");
  CHECK(compat_shapes::progress_text(5000000, 5000000) ==
        "[==================================================>]      5MB/5MB");
  CHECK(compat_shapes::progress_text(527, 0) == "    527B");
  CHECK(compat_shapes::progress_text(10, 5) == "[==================================================>]      10B");
  CHECK(compat_shapes::human_size(1988000) == "1.988MB");
}

TEST_CASE("docker pull stream", "[shapes][transfer]") {
  compat_shapes::DockerPullStream stream("library/busybox", "latest", "busybox:latest");
  CHECK(stream.start() == R"({"status":"Pulling from library/busybox","id":"latest"})");
  auto lines = run(stream, {message("Trying to pull docker.io/library/busybox:latest..."),
                            layer("3008e7daa9e2", "Pulling fs layer"),
                            layer("3008e7daa9e2", "Downloading", 1215000, 5000000),
                            layer("3008e7daa9e2", "Verifying Checksum"),
                            layer("3008e7daa9e2", "Download complete"),
                            layer("3008e7daa9e2", "Extracting", 5000000, 5000000),
                            layer("3008e7daa9e2", "Pull complete"),
                            {.kind = Kind::done, .image_ids = {kImage}, .digest = "sha256:36ab"}});
  REQUIRE(lines.size() == 8);
  // podman's compat pull sends the same layer line for the same event.
  CHECK(lines[0] == golden_lines("pull_compat_fresh.jsonl").front());
  CHECK(
      lines[1] ==
      R"({"status":"Downloading","progressDetail":{"current":1215000,"total":5000000},"progress":"[============>                                      ]  1.215MB/5MB","id":"3008e7daa9e2"})");
  CHECK(keys(lines[4]) == std::vector<std::string>{"status", "progressDetail", "progress", "id"});
  CHECK(lines[6] == R"({"status":"Digest: sha256:36ab"})");
  CHECK(lines[7] == R"({"status":"Status: Downloaded newer image for busybox:latest"})");
  for (const auto& golden : golden_lines("pull_compat_fresh.jsonl"))
    CHECK(keys(golden) == std::vector<std::string>{"status", "progressDetail", "id"});

  compat_shapes::DockerPullStream again("library/busybox", "latest", "busybox:latest");
  auto up_to_date = run(again, {layer("3008e7daa9e2", "Already exists"),
                                message("Digest: sha256:36ab"),
                                message("Status: Image is up to date for busybox:latest"),
                                {.kind = Kind::done}});
  CHECK(up_to_date == std::vector<std::string>{R"({"status":"Already exists","progressDetail":{},"id":"3008e7daa9e2"})",
                                               R"({"status":"Digest: sha256:36ab"})",
                                               R"({"status":"Status: Image is up to date for busybox:latest"})"});
}

TEST_CASE("docker error lines", "[shapes][transfer]") {
  auto golden = json::parse(golden_lines("pull_compat_missing.jsonl").back());
  auto ours = json::parse(compat_shapes::error_line(golden["error"].get<std::string>()));
  CHECK(ours["error"] == golden["error"]);
  CHECK(ours["errorDetail"] == golden["errorDetail"]);
  // podman adds an empty progressDetail to its error lines; docker does not, and neither do we.
  CHECK_FALSE(ours.contains("progressDetail"));
}

TEST_CASE("docker push stream", "[shapes][transfer]") {
  compat_shapes::DockerPushStream stream("127.0.0.1:5093/library/bbtest", "latest");
  CHECK(stream.start() == R"({"status":"The push refers to repository [127.0.0.1:5093/library/bbtest]"})");
  auto lines = run(stream, {message("The push refers to repository [127.0.0.1:5093/library/bbtest]"),
                            message("Getting image source signatures"),
                            layer("4f154c0a8cf4", "Preparing"),
                            layer("4f154c0a8cf4", "Waiting"),
                            layer("4f154c0a8cf4", "Pushing", 512, 1024),
                            layer("4f154c0a8cf4", "Pushed"),
                            layer("aaaaaaaaaaaa", "Mounted from library/other"),
                            {.kind = Kind::done,
                             .digest = "sha256:36abc420fe948e57f128a37c8c779db0d6fbf9d36fd41ac692053012fa25f412",
                             .size = 348}});
  REQUIRE(lines.size() == 7);  // the engine's own summary and podman lines are not repeated
  CHECK(lines[0] == R"({"status":"Preparing","progressDetail":{},"id":"4f154c0a8cf4"})");
  CHECK(keys(lines[2]) == std::vector<std::string>{"status", "progressDetail", "progress", "id"});
  auto recorded = golden_lines("push_compat.jsonl");
  CHECK(lines[5] == recorded.back());  // "latest: digest: sha256:… size: 348", byte for byte
  CHECK(
      lines[6] ==
      R"({"progressDetail":{},"aux":{"Tag":"latest","Digest":"sha256:36abc420fe948e57f128a37c8c779db0d6fbf9d36fd41ac692053012fa25f412","Size":348}})");
  // podman names the tag in the first line ([repo:tag]); docker and we name the repository.
  CHECK(keys(recorded.front()) == keys(stream.start()));
}

TEST_CASE("login answer", "[shapes][transfer]") {
  CHECK(compat_shapes::login_ok_json().dump() == golden_lines("auth_ok.jsonl").front());
  auto refused = json::parse(golden_lines("auth_fail.jsonl").front());
  CHECK(refused["message"] == "login attempt to localhost:5094 failed with status: 401 Unauthorized");
}
