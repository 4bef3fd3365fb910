// Events through real clients: `docker events --since --until`, the libpod stream=false reply, a live compat
// stream, the journal across a restart, and a bad filter. Image events come from import, tag and rmi.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/common.hpp"
#include "tests/integration/container_fixtures.hpp"
#include "tests/integration/image_fixtures.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/temp_dir.hpp"

using namespace berth::test;

namespace {

// docker's since/until form: unix seconds with nanoseconds.
std::string unix_time(std::chrono::system_clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1'000'000'000),
                static_cast<long long>(ns % 1'000'000'000));
  return buf;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

void docker_ok(const Berthd& d, const std::vector<std::string>& args) {
  auto r = d.docker(args);
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(r.exit_code == 0);
}

// An imported busybox rootfs named `ref`, tagged `ref2` and untagged again: import, tag, untag events.
void image_history(const Berthd& d, const TempDir& tmp, const std::string& ref, const std::string& ref2) {
  auto file = tmp.sub("rootfs.tar");
  { std::ofstream(file, std::ios::binary) << busybox_rootfs_tar("events"); }
  docker_ok(d, {"import", file, ref});
  docker_ok(d, {"tag", ref, ref2});
  docker_ok(d, {"rmi", ref2});
}

bool has_event(const std::vector<nlohmann::json>& events, const std::string& action, const std::string& name_part) {
  for (const auto& e : events)
    if (e.value("Action", "") == action &&
        e["Actor"]["Attributes"].value("name", "").find(name_part) != std::string::npos)
      return true;
  return false;
}

}  // namespace

TEST_CASE("docker events replays image events between since and until and exits", "[integration][events]") {
  Berthd d;
  TempDir tmp("berth-events");
  auto t0 = std::chrono::system_clock::now() - std::chrono::seconds(1);
  image_history(d, tmp, "evimg:one", "evimg:two");
  docker_ok(d, {"rmi", "evimg:one"});  // the last name: untag and delete
  auto t1 = std::chrono::system_clock::now() + std::chrono::seconds(2);

  auto r = d.docker({"events", "--since", unix_time(t0), "--until", unix_time(t1), "--filter", "type=image"}, {},
                    std::chrono::seconds(30));
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 0);
  CHECK_FALSE(r.timed_out);
  CHECK(r.out.find("image import") != std::string::npos);
  CHECK(r.out.find("image tag") != std::string::npos);
  CHECK(r.out.find("evimg:two") != std::string::npos);
  CHECK(r.out.find("image untag") != std::string::npos);
  CHECK(r.out.find("image delete") != std::string::npos);
  CHECK(r.out.find("container") == std::string::npos);

  // The same through the libpod endpoint, in podman's shape, ending by itself.
  auto lib = d.request("GET", "/v4.3.1/libpod/events?stream=false&since=" + unix_time(t0));
  INFO(lib.describe());
  REQUIRE(lib.status == 200);
  auto events = json_lines(lib.body);
  CHECK(has_event(events, "tag", "evimg:two"));
  CHECK(has_event(events, "untag", "evimg:two"));
  CHECK(has_event(events, "remove", "evimg"));
  for (const auto& e : events) {
    CHECK(e["Type"] == "image");
    CHECK(e["status"] == e["Action"]);
    CHECK(e["scope"] == "local");
    CHECK(e["id"].get<std::string>().find("sha256:") == std::string::npos);
    CHECK(e["Actor"]["Attributes"].contains("podId"));
    CHECK(e["timeNano"].get<std::int64_t>() / 1'000'000'000 == e["time"].get<std::int64_t>());
  }

  // podman's compat endpoint honours stream=false too (its own test suite relies on it): past events, then the end.
  auto compat = d.request("GET", "/v1.41/events?stream=false&since=" + unix_time(t0));
  REQUIRE(compat.status == 200);
  CHECK(has_event(json_lines(compat.body), "tag", "evimg:two"));

  // podman's filter key for the action.
  auto only_untag = d.request("GET", "/v4.3.1/libpod/events?stream=false&since=" + unix_time(t0) +
                                         "&filters=%7B%22event%22%3A%5B%22untag%22%5D%7D");
  REQUIRE(only_untag.status == 200);
  auto untags = json_lines(only_untag.body);
  CHECK(untags.size() == 2);
  for (const auto& e : untags) CHECK(e["Action"] == "untag");
}

TEST_CASE("an open /events stream receives an event published after it connected", "[integration][events]") {
  Berthd d;
  TempDir tmp("berth-events");
  auto file = tmp.sub("rootfs.tar");
  { std::ofstream(file, std::ios::binary) << busybox_rootfs_tar("live"); }
  docker_ok(d, {"import", file, "live:one"});

  auto conn = RawConnection::unix_socket(d.socket());
  conn.send("GET /v1.41/events?filters=%7B%22type%22%3A%5B%22image%22%5D%7D HTTP/1.1\r\nHost: berth\r\n\r\n");
  auto head = conn.read_head();  // the headers come before any event
  REQUIRE(head);
  CHECK(head->status == 200);
  docker_ok(d, {"tag", "live:one", "live:two"});

  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.find("live:two") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{.fd = conn.fd(), .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 200) != 1) continue;
    char buf[4096];
    auto n = ::recv(conn.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  INFO(got);
  CHECK(got.find("\"Action\":\"tag\"") != std::string::npos);
  CHECK(got.find("\"name\":\"live:two\"") != std::string::npos);
}

TEST_CASE("events survive a restart", "[integration][events]") {
  Berthd d;
  TempDir tmp("berth-events");
  auto t0 = std::chrono::system_clock::now() - std::chrono::seconds(1);
  image_history(d, tmp, "keep:one", "keep:two");
  REQUIRE(d.stop() == 0);
  d.start();
  auto r = d.request("GET", "/v4.3.1/libpod/events?stream=false&since=" + unix_time(t0));
  INFO(r.describe());
  REQUIRE(r.status == 200);
  auto events = json_lines(r.body);
  CHECK(has_event(events, "tag", "keep:two"));
  CHECK(has_event(events, "untag", "keep:two"));
}

TEST_CASE("container events are journaled with their change: docker events --since across a kill -9",
          "[integration][events]") {
  Berthd d;
  TempDir tmp("berth-events");
  auto file = tmp.sub("busybox.tar");
  { std::ofstream(file, std::ios::binary) << busybox_image_tar(); }
  docker_ok(d, {"import", "--change", "CMD [\"sh\"]", file, "busybox:latest"});
  auto t0 = std::chrono::system_clock::now() - std::chrono::seconds(1);
  docker_ok(d, {"run", "-d", "--name", "quick", "busybox", "sh", "-c", "exit 3"});
  auto waited = d.docker({"wait", "quick"});
  REQUIRE(Catch::trim(waited.out) == "3");
  docker_ok(d, {"run", "-d", "--name", "slow", "busybox", "sh", "-c", "sleep 2; exit 5"});
  docker_ok(d, {"rm", "quick"});

  // berthd dies without any chance to flush anything; "slow" exits while it is down.
  REQUIRE(::kill(d.pid(), SIGKILL) == 0);
  REQUIRE(d.wait_exit(std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  d.start();
  REQUIRE(Catch::trim(d.docker({"wait", "slow"}).out) == "5");

  auto until = std::chrono::system_clock::now() + std::chrono::seconds(1);
  auto r = d.docker({"events", "--since", unix_time(t0), "--until", unix_time(until), "--filter", "type=container",
                     "--format", "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}"});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  auto has = [&](const std::string& line) { return ("\n" + r.out).find("\n" + line + "\n") != std::string::npos; };
  CHECK(has("create quick <no value>"));
  CHECK(has("start quick <no value>"));
  CHECK(has("die quick 3"));
  CHECK(has("destroy quick <no value>"));
  CHECK(has("start slow <no value>"));
  CHECK(has("die slow 5"));  // recorded by the restarted daemon, in the transaction that marked it exited
}

TEST_CASE("a bad events filter is a 400", "[integration][events]") {
  Berthd d;
  auto r = d.request("GET", "/v1.41/events?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D");
  check_error_reply(r, 400, "invalid filter 'bogus'");
  r = d.request("GET", "/v4.3.1/libpod/events?stream=false&filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D");
  check_error_reply(r, 400, "invalid filter 'bogus'");
  r = d.request("GET", "/v1.41/events?since=yesterday");
  check_error_reply(r, 400);
}
