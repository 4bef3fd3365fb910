// Exec events in both trees: the engine's podman verbs ("exec", "exec_died") as docker shows them ("exec_start",
// "exec_die") and as podman 4.3.1 does, and the event= filters that match them.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/shapes/events.hpp"
#include "compat/shapes/events.hpp"
#include "core/events/filter.hpp"
#include "core/model/event.hpp"

using berth::core::Event;
namespace events = berth::core::events;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

Event exec_event(std::string action) {
  Event e{.type = "container", .action = std::move(action), .id = "c1", .name = "web", .time_ns = kSecond};
  e.attributes = {{"image", "busybox"}, {"execID", "e1"}};
  return e;
}

bool match(const berth::core::Filters& f, const Event& e) { return events::compile_event_filters(f)(e); }

}  // namespace

TEST_CASE("the docker tree shows exec events as moby does", "[events][exec]") {
  auto start = berth::compat::shapes::event_json(exec_event("exec"));
  CHECK(start["Action"] == "exec_start");
  CHECK(start["status"] == "exec_start");
  CHECK(start["Actor"]["Attributes"]["execID"] == "e1");
  CHECK(start["Actor"]["Attributes"]["name"] == "web");

  auto with_cmd = exec_event("exec");
  with_cmd.attributes["cmd"] = "sh -c true";
  auto shown = berth::compat::shapes::event_json(with_cmd);
  CHECK(shown["Action"] == "exec_start: sh -c true");
  CHECK_FALSE(shown["Actor"]["Attributes"].contains("cmd"));

  auto died = exec_event("exec_died");
  died.attributes["exitCode"] = "3";
  auto die = berth::compat::shapes::event_json(died);
  CHECK(die["Action"] == "exec_die");
  CHECK(die["status"] == "exec_die");
  CHECK(die["Actor"]["Attributes"]["execID"] == "e1");
  CHECK(die["Actor"]["Attributes"]["exitCode"] == "3");
}

TEST_CASE("the libpod tree shows exec events as podman 4.3.1 does", "[events][exec]") {
  auto start = berth::api::shapes::event_json(exec_event("exec"));
  CHECK(start["Action"] == "exec");
  CHECK(start["status"] == "exec");
  CHECK(start["Actor"]["Attributes"]["containerExitCode"] == "0");
  CHECK_FALSE(start["Actor"]["Attributes"].contains("execID"));  // podman's Details overwrite it

  auto died = exec_event("exec_died");
  died.attributes["exitCode"] = "3";
  auto d = berth::api::shapes::event_json(died);
  CHECK(d["Action"] == "exec_died");
  CHECK(d["Actor"]["Attributes"]["containerExitCode"] == "3");
  CHECK_FALSE(d["Actor"]["Attributes"].contains("exitCode"));
  CHECK_FALSE(d["Actor"]["Attributes"].contains("execID"));
  CHECK(d["Actor"]["Attributes"]["name"] == "web");
}

TEST_CASE("event filters match exec events by either tree's name", "[events][exec]") {
  auto start = exec_event("exec");
  auto died = exec_event("exec_died");
  CHECK(match({{"event", {"exec"}}}, start));
  CHECK_FALSE(match({{"event", {"exec"}}}, died));
  CHECK(match({{"event", {"exec_start"}}}, start));
  CHECK_FALSE(match({{"event", {"exec_start"}}}, died));
  CHECK(match({{"event", {"exec_died"}}}, died));
  CHECK(match({{"event", {"exec_die"}}}, died));
  CHECK(match({{"status", {"exec_die"}}}, died));
  CHECK_FALSE(match({{"event", {"exec_die"}}}, start));
  CHECK_FALSE(match({{"event", {"die"}}}, died));  // a container's death is not an exec's
  start.attributes["cmd"] = "ls -l";
  CHECK(match({{"event", {"exec_start: ls -l"}}}, start));
  CHECK_FALSE(match({{"event", {"exec_start: ls"}}}, start));
  CHECK(match({{"event", {"exec_start"}}}, start));
}
