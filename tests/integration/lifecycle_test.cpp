// berthd's life: flags, SIGTERM/SIGINT shutdown, the root lock against a second daemon, idle exit (--time), the
// database across restarts, and systemd socket activation.
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <thread>

#include "tests/integration/common.hpp"
#include "tests/support/raw_http.hpp"

using namespace berth::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST_CASE("berthd --help lists the flags and exits 0", "[integration][lifecycle]") {
  auto r = run({default_berthd_path(), "--help"});
  INFO(r.describe());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--root") != std::string::npos);
  CHECK(r.out.find("--runroot") != std::string::npos);
  CHECK(r.out.find("Usage") != std::string::npos);
}

TEST_CASE("berthd --version prints the version", "[integration][lifecycle]") {
  auto r = run({default_berthd_path(), "--version"});
  INFO(r.describe());
  CHECK(r.exit_code == 0);
  CHECK(std::regex_search(r.out, std::regex("^berthd version [0-9]+\\.[0-9]+")));
}

TEST_CASE("berthd refuses a bad flag with a message", "[integration][lifecycle]") {
  SECTION("unknown flag") {
    auto r = run({default_berthd_path(), "--no-such-flag"});
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("--no-such-flag") != std::string::npos);
  }
  SECTION("bad value") {
    auto r = run({default_berthd_path(), "--time", "soon"});
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("--time") != std::string::npos);
  }
  SECTION("missing value") {
    auto r = run({default_berthd_path(), "--root"});
    INFO(r.describe());
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("--root") != std::string::npos);
  }
}

TEST_CASE("SIGTERM stops berthd cleanly and removes its socket", "[integration][lifecycle]") {
  Berthd d;
  REQUIRE(fs::exists(d.socket()));
  CHECK(d.stop() == 0);
  CHECK_FALSE(fs::exists(d.socket()));
}

TEST_CASE("the socket is a socket of mode 0660", "[integration][lifecycle]") {
  Berthd d;
  auto st = fs::status(d.socket());
  CHECK(st.type() == fs::file_type::socket);
  CHECK((st.permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::group_write));
}

TEST_CASE("after a crash berthd starts again on the same root and socket", "[integration][lifecycle]") {
  Berthd d;
  ::kill(d.pid(), SIGKILL);
  auto code = d.wait_exit(10s);
  REQUIRE(code);
  CHECK(*code == 128 + SIGKILL);
  CHECK(fs::exists(d.socket()));  // left behind: nobody removed it
  d.start();                      // the stale socket file is replaced and the root lock died with the process
  auto r = t(d, "GET", "/_ping", 200);
  CHECK(r.body == "OK");
}

TEST_CASE("berthd does not take over a socket another server answers on", "[integration][lifecycle]") {
  Berthd first;
  Berthd second({.listen = {first.url()}, .wait_ready = false});
  auto code = second.wait_exit(10s);
  INFO("--- second berthd log ---\n" << second.log());
  REQUIRE(code);
  CHECK(*code != 0);
  CHECK(second.log().find(first.socket()) != std::string::npos);
  // The first one keeps its socket file and serves on.
  CHECK(fs::exists(first.socket()));
  t(first, "GET", "/_ping", 200);
}

TEST_CASE("SIGINT stops berthd cleanly too", "[integration][lifecycle]") {
  Berthd d;
  ::kill(d.pid(), SIGINT);
  auto code = d.wait_exit(10s);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK_FALSE(fs::exists(d.socket()));
}

TEST_CASE("a second berthd on the same root refuses to start", "[integration][lifecycle]") {
  Berthd first;
  Berthd second({.root = first.root(), .wait_ready = false});
  auto code = second.wait_exit(10s);
  INFO("--- second berthd log ---\n" << second.log());
  REQUIRE(code);
  CHECK(*code != 0);
  CHECK(second.log().find("another berthd") != std::string::npos);
  CHECK_FALSE(fs::exists(second.socket()));
  // The first one is untouched.
  t(first, "GET", "/_ping", 200);
  CHECK(first.stop() == 0);
}

TEST_CASE("berthd --time 1 exits 1 s after the last connection closes and not while one is open",
          "[integration][lifecycle]") {
  Berthd d({.args = {"--time", "1"}});
  {
    // An idle keep-alive connection counts as a connection.
    auto c = RawConnection::unix_socket(d.socket());
    c.send("GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n");
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    std::this_thread::sleep_for(1500ms);
    CHECK(d.running());
  }
  auto closed = std::chrono::steady_clock::now();
  auto code = d.wait_exit(10s);
  INFO("--- berthd log ---\n" << d.log_tail());
  REQUIRE(code);
  CHECK(*code == 0);
  // The clock starts when the last connection closes: never sooner (a correctness bound, not a speed one).
  CHECK(std::chrono::steady_clock::now() - closed >= 800ms);
  CHECK_FALSE(fs::exists(d.socket()));
}

TEST_CASE("with --time, an idle keep-alive connection is closed after twice the window and berthd exits",
          "[integration][lifecycle]") {
  Berthd d({.args = {"--time", "1"}});
  auto c = RawConnection::unix_socket(d.socket());
  c.send("GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n");
  REQUIRE(c.read_response());
  // The client never closes its connection; berthd does (podman: http idle timeout = 2 x the API window).
  CHECK(c.peer_closed());
  auto code = d.wait_exit(10s);
  INFO("--- berthd log ---\n" << d.log_tail());
  REQUIRE(code);
  CHECK(*code == 0);
}

TEST_CASE("the database survives a restart on the same root", "[integration][lifecycle]") {
  Berthd d;
  CHECK(fs::exists(d.root() + "/berth.db"));
  t(d, "GET", "/_ping", 200);
  REQUIRE(d.stop() == 0);
  CHECK(fs::exists(d.root() + "/berth.db"));
  d.start();  // same root and runroot: the root lock was released and the database reopens
  auto r = t(d, "GET", "/_ping", 200);
  CHECK(r.body == "OK");
  t(d, "GET", "/v4.3.1/libpod/info", 200, {{".store.graphRoot", d.root()}});
  CHECK(d.stop() == 0);
}

TEST_CASE("systemd socket activation: berthd serves the socket it is given", "[integration][lifecycle]") {
  Berthd d({.socket_activation = true});
  auto r = t(d, "GET", "/_ping", 200);
  CHECK(r.body == "OK");
  t(d, "GET", "/v4.3.1/libpod/_ping", 200);
  // The URI on its command line is ignored under activation.
  CHECK_FALSE(fs::exists(d.dir() + "/not-activated.sock"));
  CHECK(d.stop() == 0);
}
