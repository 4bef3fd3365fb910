// The event bus on a real store: journal bounds, replay, live delivery through wait_fd, the replay → live hand-over
// under concurrent publishing, slow subscribers; event filters; since/until parsing; both trees' shapes.
#include "api/shapes/events.hpp"

#include <poll.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "compat/shapes/events.hpp"
#include "core/error.hpp"
#include "core/events/bus.hpp"
#include "core/events/filter.hpp"
#include "core/events/journal.hpp"
#include "core/events/query.hpp"
#include "core/store/store.hpp"
#include "core/time.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/temp_dir.hpp"

namespace events = berth::core::events;
using berth::core::Errc;
using berth::core::Event;
using berth::core::now_ns;
using berth::core::streams::Poll;
using berth::test::error_of;
using berth::test::TempDir;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

struct Fixture {
  TempDir dir{"berth-events"};
  berth::core::store::Store store{dir.sub("root")};
};

Event image_event(std::string action, std::string name, std::int64_t time_ns = 0) {
  Event e{.type = "image", .action = std::move(action), .id = std::string(64, 'a'), .name = name, .time_ns = time_ns};
  e.attributes["name"] = name;
  return e;
}

bool readable(int fd, int timeout_ms) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// Reads what the source has now, without waiting; stops at pending or end.
std::vector<Event> drain(berth::core::streams::Source<Event>& source, Poll* last = nullptr) {
  std::vector<Event> out;
  Event e;
  Poll p;
  while ((p = source.next(e)) == Poll::item) out.push_back(e);
  if (last) *last = p;
  return out;
}

// Reads until `count` items arrived or the source ended, waiting on wait_fd like the server's pump.
std::vector<Event> read_until(berth::core::streams::Source<Event>& source, std::size_t count, Poll* last = nullptr) {
  std::vector<Event> out;
  Poll p = Poll::pending;
  for (int waits = 0; waits < 500 && out.size() < count;) {
    Event e;
    p = source.next(e);
    if (p == Poll::item) {
      out.push_back(e);
      continue;
    }
    if (p == Poll::end) break;
    readable(source.wait_fd(), 20);
    ++waits;
  }
  if (last) *last = p;
  return out;
}

std::size_t journal_rows(berth::core::store::Store& store) {
  return store.read([](berth::core::store::Db& db) { return events::journal::count(db); });
}

}  // namespace

TEST_CASE("the journal keeps only the newest rows", "[events]") {
  Fixture f;
  events::EventBus bus(f.store, {.journal_rows = 20});
  for (int i = 0; i < 100; ++i) bus.publish(image_event("tag", "n" + std::to_string(i)));
  CHECK(journal_rows(f.store) == 20);
  auto source = bus.subscribe({.since_ns = 0, .stream = false});
  auto got = drain(*source);
  REQUIRE(got.size() == 20);
  CHECK(got.front().name == "n80");
  CHECK(got.back().name == "n99");
}

TEST_CASE("replay honours since and until and keeps journal order", "[events]") {
  Fixture f;
  events::EventBus bus(f.store);
  for (int i = 1; i <= 5; ++i) bus.publish(image_event("tag", "n" + std::to_string(i), i * kSecond));
  auto source = bus.subscribe({.since_ns = 2 * kSecond, .until_ns = 4 * kSecond});
  Poll last;
  auto got = drain(*source, &last);
  REQUIRE(got.size() == 3);
  CHECK(got[0].name == "n2");
  CHECK(got[2].name == "n4");
  CHECK(got[0].attributes.at("name") == "n2");
  CHECK(last == Poll::end);  // until is long past: no live part
}

TEST_CASE("publish sets the time when it is 0", "[events]") {
  Fixture f;
  events::EventBus bus(f.store);
  auto before = now_ns();
  bus.publish(image_event("tag", "x"));
  auto got = drain(*bus.subscribe({.since_ns = before, .stream = false}));
  REQUIRE(got.size() == 1);
  CHECK(got[0].time_ns >= before);
  CHECK(got[0].time_ns <= now_ns());
}

TEST_CASE("a live subscriber is woken through wait_fd", "[events]") {
  Fixture f;
  events::EventBus bus(f.store);
  bus.publish(image_event("tag", "before"));
  auto source = bus.subscribe({});
  Poll last;
  CHECK(drain(*source, &last).empty());  // no since: nothing old
  CHECK(last == Poll::pending);
  CHECK_FALSE(readable(source->wait_fd(), 0));
  bus.publish(image_event("untag", "after"));
  REQUIRE(readable(source->wait_fd(), 1000));
  auto got = drain(*source, &last);
  REQUIRE(got.size() == 1);
  CHECK(got[0].action == "untag");
  CHECK(last == Poll::pending);
  CHECK_FALSE(readable(source->wait_fd(), 0));
}

TEST_CASE("record inside a transaction, announce after the commit", "[events]") {
  Fixture f;
  events::EventBus bus(f.store);
  auto since = now_ns();
  auto source = bus.subscribe({.since_ns = since});
  Event e = image_event("tag", "recorded");
  f.store.write([&](berth::core::store::Db& db) { bus.record(db, e); });
  CHECK(e.time_ns != 0);
  bus.announce(e);
  REQUIRE(readable(source->wait_fd(), 1000));
  CHECK(drain(*source).size() == 1);
  CHECK(drain(*bus.subscribe({.since_ns = since, .stream = false})).size() == 1);
}

TEST_CASE("no event is lost or repeated across the replay to live switch", "[events]") {
  Fixture f;
  events::EventBus bus(f.store, {.journal_rows = 100000, .queue = 100000});
  auto since = now_ns();
  constexpr int kPerThread = 300;
  std::atomic<bool> go{false};
  std::vector<std::thread> publishers;
  for (int t = 0; t < 2; ++t)
    publishers.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) bus.publish(image_event("tag", std::to_string(t) + "-" + std::to_string(i)));
    });
  go = true;
  // Subscribe while the publishers run, several times, so some subscriptions start mid-stream.
  std::vector<std::unique_ptr<berth::core::streams::Source<Event>>> sources;
  for (int i = 0; i < 5; ++i) {
    sources.push_back(bus.subscribe({.since_ns = since}));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& t : publishers) t.join();
  for (auto& source : sources) {
    auto got = read_until(*source, 2 * kPerThread);
    std::set<std::string> names;
    for (const auto& e : got) names.insert(e.name);
    CHECK(got.size() == 2 * kPerThread);
    CHECK(names.size() == got.size());
  }
}

TEST_CASE("a slow subscriber loses its oldest events and never blocks the publisher", "[events]") {
  Fixture f;
  events::EventBus bus(f.store, {.queue = 10});
  auto source = bus.subscribe({});
  for (int i = 0; i < 50; ++i) bus.publish(image_event("tag", std::to_string(i)));
  auto got = drain(*source);
  REQUIRE(got.size() == 10);
  CHECK(got.front().name == "40");
  CHECK(got.back().name == "49");
  bus.publish(image_event("tag", "later"));
  got = drain(*source);
  REQUIRE(got.size() == 1);
  CHECK(got[0].name == "later");
}

TEST_CASE("a subscription ends when until passes, even when quiet", "[events]") {
  Fixture f;
  events::EventBus bus(f.store);
  auto source = bus.subscribe({.until_ns = now_ns() + 200'000'000});
  Poll last;
  drain(*source, &last);
  CHECK(last == Poll::pending);
  bus.publish(image_event("tag", "in time"));
  REQUIRE(readable(source->wait_fd(), 1000));
  CHECK(drain(*source).size() == 1);
  REQUIRE(readable(source->wait_fd(), 2000));  // the timer
  drain(*source, &last);
  CHECK(last == Poll::end);
}

TEST_CASE("stream=false ends after the past events", "[events]") {
  Fixture f;
  events::EventBus bus(f.store);
  auto since = now_ns();
  bus.publish(image_event("tag", "a"));
  auto source = bus.subscribe({.since_ns = since, .stream = false});
  Poll last;
  CHECK(drain(*source, &last).size() == 1);
  CHECK(last == Poll::end);
  CHECK(bus.subscriber_count() == 0);
}

TEST_CASE("subscriptions outlive the bus and end", "[events]") {
  Fixture f;
  std::unique_ptr<berth::core::streams::Source<Event>> source;
  {
    events::EventBus bus(f.store);
    source = bus.subscribe({});
    bus.publish(image_event("tag", "last"));
  }
  Poll last;
  CHECK(drain(*source, &last).size() == 1);
  CHECK(last == Poll::end);
}

TEST_CASE("subscriptions filter live and replayed events", "[events]") {
  Fixture f;
  events::EventBus bus(f.store);
  auto since = now_ns();
  bus.publish(image_event("tag", "a"));
  bus.publish(image_event("untag", "a"));
  auto source = bus.subscribe({.since_ns = since, .filters = {{"event", {"untag"}}}});
  bus.publish(image_event("tag", "b"));
  bus.publish(image_event("untag", "b"));
  auto got = drain(*source);
  REQUIRE(got.size() == 2);
  CHECK(got[0].name == "a");
  CHECK(got[1].name == "b");
  CHECK(error_of([&] { bus.subscribe({.filters = {{"bogus", {"x"}}}}); }).cause() == "invalid filter 'bogus'");
}

TEST_CASE("event filters follow moby", "[events]") {
  Event ctr{.type = "container", .action = "start", .id = "0123456789ab", .name = "web"};
  ctr.attributes = {{"image", "docker.io/library/busybox:latest"}, {"name", "web"}, {"app", "x"}};
  Event img = image_event("tag", "docker.io/library/busybox:latest");
  auto match = [](const berth::core::Filters& f, const Event& e) { return events::compile_event_filters(f)(e); };

  CHECK(match({}, ctr));
  CHECK(match({{"type", {"container"}}}, ctr));
  CHECK_FALSE(match({{"type", {"container"}}}, img));
  CHECK(match({{"type", {"volume", "image"}}}, img));
  CHECK(match({{"event", {"start"}}}, ctr));
  CHECK(match({{"status", {"start"}}}, ctr));
  CHECK_FALSE(match({{"event", {"stop"}}}, ctr));
  CHECK(match({{"event", {"health_status"}}}, Event{.type = "container", .action = "health_status: healthy"}));
  // docker's words for podman's: a docker client filters by what it is shown.
  CHECK(match({{"event", {"die"}}}, Event{.type = "container", .action = "died"}));
  CHECK(match({{"event", {"destroy"}}}, Event{.type = "container", .action = "remove"}));
  CHECK(match({{"event", {"delete"}}}, image_event("remove", "x")));
  CHECK_FALSE(match({{"event", {"delete"}}}, Event{.type = "container", .action = "remove"}));
  CHECK(match({{"container", {"web"}}}, ctr));
  CHECK(match({{"container", {"0123"}}}, ctr));
  CHECK_FALSE(match({{"container", {"db"}}}, ctr));
  CHECK_FALSE(match({{"container", {"web"}}}, img));
  CHECK(match({{"image", {"docker.io/library/busybox:latest"}}}, img));
  CHECK(match({{"image", {"docker.io/library/busybox"}}}, img));
  CHECK(match({{"image", {std::string(64, 'a')}}}, img));
  CHECK(match({{"image", {"sha256:" + std::string(64, 'a')}}}, img));
  CHECK(match({{"image", {"docker.io/library/busybox"}}}, ctr));  // a container of that image
  CHECK_FALSE(match({{"image", {"alpine"}}}, img));
  CHECK(match({{"label", {"app"}}}, ctr));
  CHECK(match({{"label", {"app=x"}}}, ctr));
  CHECK_FALSE(match({{"label", {"app=y"}}}, ctr));
  CHECK(match({{"scope", {"local"}}}, ctr));
  CHECK_FALSE(match({{"scope", {"swarm"}}}, ctr));
  CHECK_FALSE(match({{"service", {"s"}}}, ctr));
  CHECK(match({{"type", {"container"}}, {"event", {"start"}}, {"container", {"web"}}}, ctr));
  CHECK_FALSE(match({{"type", {"container"}}, {"event", {"stop"}}}, ctr));

  auto err = error_of([] { events::compile_event_filters({{"until", {"x"}}}); });
  CHECK(err.code() == Errc::invalid_argument);
  CHECK(err.cause() == "invalid filter 'until'");
  CHECK(error_of([] { events::compile_event_filters({{"nope", {}}}); }).code() == Errc::invalid_argument);
}

TEST_CASE("since and until parse docker's and podman's forms", "[events]") {
  auto q = events::make_query("1700000000.123456789", "1700000001", true, {});
  CHECK(q.since_ns == 1700000000123456789LL);
  CHECK(q.until_ns == 1700000001 * kSecond);
  q = events::make_query("2023-11-14T22:13:20Z", std::nullopt, false, {});
  CHECK(q.since_ns == 1700000000 * kSecond);
  CHECK_FALSE(q.until_ns);
  CHECK_FALSE(q.stream);
  auto before = now_ns();
  q = events::make_query("5m", "", true, {});
  CHECK(*q.since_ns <= before - 300 * kSecond + kSecond);
  CHECK(*q.since_ns >= before - 301 * kSecond);
  CHECK_FALSE(q.until_ns);
  CHECK(error_of([] { events::make_query("yesterday", std::nullopt, true, {}); }).code() == Errc::invalid_argument);
}

TEST_CASE("docker's and podman's event shapes", "[events]") {
  Event img = image_event("remove", "docker.io/library/busybox:latest", 1700000000123456789LL);
  auto d = berth::compat::shapes::event_json(img);
  CHECK(d["status"] == "delete");
  CHECK(d["Action"] == "delete");
  CHECK(d["Type"] == "image");
  CHECK(d["id"] == "sha256:" + std::string(64, 'a'));
  CHECK(d["Actor"]["ID"] == d["id"]);
  CHECK(d["Actor"]["Attributes"]["name"] == "busybox:latest");
  CHECK(d["scope"] == "local");
  CHECK(d["time"] == 1700000000);
  CHECK(d["timeNano"] == 1700000000123456789LL);
  CHECK_FALSE(d.contains("from"));

  Event ctr{.type = "container", .action = "start", .id = "c1", .name = "web", .time_ns = kSecond};
  ctr.attributes["image"] = "busybox";
  d = berth::compat::shapes::event_json(ctr);
  CHECK(d["from"] == "busybox");
  CHECK(d["Actor"]["Attributes"]["name"] == "web");
  Event vol{.type = "volume", .action = "create", .id = "v", .time_ns = kSecond};
  d = berth::compat::shapes::event_json(vol);
  CHECK_FALSE(d.contains("status"));
  CHECK_FALSE(d.contains("id"));

  auto p = berth::api::shapes::event_json(img);
  CHECK(p["status"] == "remove");
  CHECK(p["Action"] == "remove");
  CHECK(p["id"] == std::string(64, 'a'));
  CHECK(p["Actor"]["Attributes"]["name"] == "docker.io/library/busybox:latest");
  CHECK(p["Actor"]["Attributes"]["image"] == "");
  CHECK(p["Actor"]["Attributes"]["podId"] == "");
  CHECK(p["Actor"]["Attributes"]["containerExitCode"] == "0");  // Go's int, as podman 4.3.1 sends it
  CHECK_FALSE(p.contains("from"));
  CHECK(p["timeNano"] == 1700000000123456789LL);
  p = berth::api::shapes::event_json(ctr);
  CHECK(p["from"] == "busybox");
  CHECK(p["Actor"]["Attributes"]["image"] == "busybox");
  Event died{.type = "container", .action = "died", .id = "c1", .name = "web", .time_ns = kSecond};
  died.attributes = {{"image", "busybox"}, {"exitCode", "1"}};
  p = berth::api::shapes::event_json(died);
  CHECK(p["Action"] == "died");
  CHECK(p["Actor"]["Attributes"]["containerExitCode"] == "1");
  CHECK_FALSE(p["Actor"]["Attributes"].contains("exitCode"));  // the docker tree's name only
  d = berth::compat::shapes::event_json(died);
  CHECK(d["Action"] == "die");
  CHECK(d["Actor"]["Attributes"]["exitCode"] == "1");
}
