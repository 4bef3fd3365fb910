// berthd's command line and listen URIs.
#include "server/options.hpp"

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "server/net/listen_address.hpp"

using namespace berth;

namespace {
CommandLine parse(std::vector<const char*> args) {
  args.insert(args.begin(), "berthd");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}
}  // namespace

TEST_CASE("berthd flags", "[options]") {
  auto cl = parse({"--root", "/tmp/r", "--runroot=/tmp/rr", "-t", "5", "--log-level", "debug", "unix:///tmp/a.sock",
                   "tcp://127.0.0.1:8080"});
  CHECK(cl.root == "/tmp/r");
  CHECK(cl.runroot == "/tmp/rr");
  CHECK(cl.daemon.idle_exit == std::chrono::seconds(5));
  CHECK(cl.log_level == "debug");
  CHECK(cl.daemon.uris == std::vector<std::string>{"unix:///tmp/a.sock", "tcp://127.0.0.1:8080"});

  auto defaults = parse({});
  CHECK(defaults.root == "/var/lib/berth");
  CHECK(defaults.runroot == "/run/berth");
  CHECK(defaults.daemon.idle_exit == std::chrono::seconds(0));
  CHECK(parse({"--help"}).help);
  CHECK(parse({"--version"}).version);
}

TEST_CASE("bad berthd flags are refused with a message", "[options]") {
  CHECK_THROWS_WITH(parse({"--bogus"}), Catch::Contains("unknown flag"));
  CHECK_THROWS_WITH(parse({"--root"}), Catch::Contains("needs an argument"));
  CHECK_THROWS_WITH(parse({"--time", "-3"}), Catch::Contains("--time"));
  CHECK_THROWS_WITH(parse({"--root", "relative"}), Catch::Contains("absolute"));
  CHECK_THROWS_WITH(parse({"--tls-cert", "/c.pem"}), Catch::Contains("--tls-key"));
}

TEST_CASE("listen URIs", "[options]") {
  auto u = net::parse_listen_uri("unix:///run/podman/podman.sock");
  CHECK(u.kind == net::ListenAddress::Kind::unix_socket);
  CHECK(u.path == "/run/podman/podman.sock");
  auto t = net::parse_listen_uri("tcp://127.0.0.1:8080");
  CHECK(t.kind == net::ListenAddress::Kind::tcp);
  CHECK(t.host == "127.0.0.1");
  CHECK(t.port == "8080");
  CHECK(t.loopback());
  auto v6 = net::parse_listen_uri("tcp://[::1]:9");
  CHECK(v6.host == "::1");
  CHECK(v6.loopback());
  CHECK_FALSE(net::parse_listen_uri("tcp://0.0.0.0:2375").loopback());
  CHECK_THROWS_AS(net::parse_listen_uri("http://x"), core::Error);
  CHECK_THROWS_AS(net::parse_listen_uri("unix://relative.sock"), core::Error);
  CHECK_THROWS_AS(net::parse_listen_uri("tcp://host"), core::Error);
  CHECK_THROWS_AS(net::parse_listen_uri("tcp://host:http"), core::Error);
}
