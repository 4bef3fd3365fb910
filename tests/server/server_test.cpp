// server/net on a real unix socket: keep-alive, pipelining, chunked both ways, limits, streams, hijack,
// work-pool dispatch, graceful shutdown, idle exit and fd hygiene.
#include <dirent.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <nlohmann/json.hpp>

#include "tests/server/test_server.hpp"
#include "tests/support/raw_http.hpp"

using namespace berth;
using berth::test::RawConnection;
using berth::test::TestServer;

namespace {

void echo_routes(http::Router& r) {
  r.get("/_ping", [](const http::Request&) { return http::Reply::text("OK"); }, {.blocking = false});
  r.post("/echo", [](const http::Request& req) {
    return http::Reply::json({{"len", req.body.size()}, {"body", req.body}, {"version", req.version.str()}});
  });
  r.get("/things/{name*}/json", [](const http::Request& req) {
    return http::Reply::json({{"name", req.param("name")}});
  });
}

std::string get(std::string_view target, std::string_view extra = {}) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: d\r\n" + std::string(extra) + "\r\n";
}

std::string fd_listing() {
  std::string out;
  DIR* d = ::opendir("/proc/self/fd");
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char target[256] = {};
    auto n = ::readlink((std::string("/proc/self/fd/") + e->d_name).c_str(), target, sizeof target - 1);
    out += std::string(e->d_name) + " -> " + (n > 0 ? std::string(target, static_cast<size_t>(n)) : "?") + "\n";
  }
  ::closedir(d);
  return out;
}

int open_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (auto* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

}  // namespace

TEST_CASE("keep-alive serves several requests on one connection", "[server]") {
  TestServer s(echo_routes);
  auto c = RawConnection::unix_socket(s.socket());
  for (int i = 0; i < 3; ++i) {
    c.send(get("/_ping"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "OK");
    CHECK(r->header("API-Version") == "1.41");
    CHECK(r->header("Libpod-API-Version") == "4.3.1");
    CHECK(r->header("Date").find(" GMT") != std::string::npos);
  }
}

TEST_CASE("pipelined requests are answered in order", "[server]") {
  TestServer s(echo_routes);
  auto c = RawConnection::unix_socket(s.socket());
  std::string batch;
  for (auto name : {"a", "b/c", "d%2Fe"}) batch += get(std::string("/v1.40/things/") + name + "/json");
  c.send(batch);
  for (auto want : {"a", "b/c", "d/e"}) {
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(nlohmann::json::parse(r->body)["name"] == want);
  }
}

TEST_CASE("chunked request bodies are decoded", "[server]") {
  TestServer s(echo_routes);
  auto c = RawConnection::unix_socket(s.socket());
  c.send(
      "POST /v1.41/echo HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
      "world\r\n0\r\n\r\n");
  auto r = c.read_response();
  REQUIRE(r);
  auto j = nlohmann::json::parse(r->body);
  CHECK(j["body"] == "hello world");
  CHECK(j["version"] == "1.41");
}

TEST_CASE("a body over the limit gets 413 in JSON and the server keeps serving", "[server]") {
  TestServer s(echo_routes, [](DaemonOptions& o) { o.limits.body_limit = 1024; });
  auto big = std::string(4096, 'x');
  auto r = test::request(s.socket(), "POST", "/echo", big);
  CHECK(r.status == 413);
  auto j = nlohmann::json::parse(r.body);
  CHECK(j["response"] == 413);
  CHECK(j["message"].get<std::string>().find("1024") != std::string::npos);

  // Chunked bodies are limited too (no Content-Length to refuse early).
  auto c = RawConnection::unix_socket(s.socket());
  c.send("POST /echo HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" + big + "\r\n0\r\n\r\n");
  auto r2 = c.read_response();
  REQUIRE(r2);
  CHECK(r2->status == 413);

  CHECK(test::request(s.socket(), "POST", "/echo", "small").status == 200);
}

TEST_CASE("unknown routes, wrong methods and bad versions answer JSON errors", "[server]") {
  TestServer s(echo_routes);
  auto r404 = test::request(s.socket(), "GET", "/v1.41/nope");
  CHECK(r404.status == 404);
  CHECK(nlohmann::json::parse(r404.body)["response"] == 404);
  CHECK(r404.header("Content-Type") == "application/json");

  auto r405 = test::request(s.socket(), "DELETE", "/_ping");
  CHECK(r405.status == 405);
  CHECK(nlohmann::json::parse(r405.body)["response"] == 405);

  auto old = test::request(s.socket(), "GET", "/v1.12/_ping");
  CHECK(old.status == 400);
  CHECK(nlohmann::json::parse(old.body)["message"].get<std::string>().find("too old") != std::string::npos);
  CHECK(test::request(s.socket(), "GET", "/v1.41/_ping").status == 200);
}

TEST_CASE("malformed requests get 400 or 431 and the server keeps serving", "[server]") {
  TestServer s(echo_routes);
  {
    auto c = RawConnection::unix_socket(s.socket());
    c.send("GARBAGE\r\n\r\n");
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(nlohmann::json::parse(r->body)["response"] == 400);
  }
  {
    auto c = RawConnection::unix_socket(s.socket());
    c.send("GET /_ping HTTP/1.1\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n");
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 431);
  }
  {
    auto c = RawConnection::unix_socket(s.socket());
    c.send("POST /echo HTTP/1.1\r\nContent-Length: banana\r\n\r\n");
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
  }
  CHECK(test::request(s.socket(), "GET", "/_ping").status == 200);
}

TEST_CASE("a json-lines stream flushes headers first and each item as it comes", "[server]") {
  auto source = std::make_shared<test::QueueSource>();
  TestServer s([&](http::Router& r) {
    r.get("/events", [source](const http::Request&) { return http::Reply::chunks(http::Framing::json_lines, source); },
          {.blocking = false});
  });
  auto c = RawConnection::unix_socket(s.socket());
  c.send(get("/events"));
  auto head = c.read_head();  // arrives before any item exists
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->header("Transfer-Encoding") == "chunked");
  CHECK(head->header("Content-Type") == "application/json");
  source->push(1, R"({"n":1})");
  auto chunk1 = c.read_exact(std::string("8\r\n{\"n\":1}\n\r\n").size());
  CHECK(chunk1 == "8\r\n{\"n\":1}\n\r\n");
  source->push(1, R"({"n":2})");
  source->finish();
  CHECK(c.read_exact(13 + 5) == "8\r\n{\"n\":2}\n\r\n0\r\n\r\n");
}

TEST_CASE("a docker-multiplexed stream frames stdout and stderr", "[server]") {
  TestServer s([](http::Router& r) {
    r.get("/logs", [](const http::Request&) {
      auto src = std::make_shared<test::QueueSource>();
      src->push(1, "out\n");
      src->push(2, "err\n");
      src->finish();
      return http::Reply::chunks(http::Framing::docker_mux, src);
    });
  });
  auto r = test::request(s.socket(), "GET", "/logs");
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "application/vnd.docker.raw-stream");
  std::string want = std::string(
                         "\x01\0\0\0\0\0\0\x04"
                         "out\n",
                         12) +
                     std::string(
                         "\x02\0\0\0\0\0\0\x04"
                         "err\n",
                         12);
  CHECK(r.body == want);
}

TEST_CASE("a stream ends when the client leaves", "[server]") {
  auto source = std::make_shared<test::QueueSource>();
  std::weak_ptr<test::QueueSource> weak = source;
  TestServer s([&](http::Router& r) {
    r.get("/events", [&source](const http::Request&) {
      return http::Reply::chunks(http::Framing::json_lines, std::exchange(source, nullptr));
    });
    r.get("/_ping", [](const http::Request&) { return http::Reply::text("OK"); });
  });
  {
    auto c = RawConnection::unix_socket(s.socket());
    c.send(get("/events"));
    REQUIRE(c.read_head());
  }
  // The server notices the hang-up while the source is quiet and drops the source.
  for (int i = 0; i < 200 && !weak.expired(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(weak.expired());
  CHECK(test::request(s.socket(), "GET", "/_ping").status == 200);
}

TEST_CASE("hijack upgrades, echoes stdin as mux frames and honours half-close", "[server]") {
  TestServer s([](http::Router& r) {
    r.post("/containers/{name}/attach",
           [](const http::Request&) { return http::Reply::hijack(std::make_shared<test::EchoDuplex>(false)); });
  });
  auto c = RawConnection::unix_socket(s.socket());
  c.send(
      "POST /v1.41/containers/x/attach?stream=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: "
      "tcp\r\n\r\nearly");
  auto head = c.read_head();
  REQUIRE(head);
  CHECK(head->status == 101);
  CHECK(head->reason == "UPGRADED");
  CHECK(head->header("Upgrade") == "tcp");
  CHECK(head->header("Content-Type") == "application/vnd.docker.raw-stream");
  CHECK(c.read_exact(8 + 5) == std::string("\x01\0\0\0\0\0\0\x05"
                                           "early",
                                           13));
  c.send("hi");
  CHECK(c.read_exact(8 + 2) == std::string("\x01\0\0\0\0\0\0\x02"
                                           "hi",
                                           10));
  c.shutdown_write();  // EchoDuplex ends its output when stdin closes
  CHECK(c.peer_closed());
}

TEST_CASE("hijack without Upgrade answers 200 and a tty stream is raw", "[server]") {
  TestServer s([](http::Router& r) {
    r.post("/exec/{id}/start",
           [](const http::Request&) { return http::Reply::hijack(std::make_shared<test::EchoDuplex>(true)); });
  });
  auto c = RawConnection::unix_socket(s.socket());
  c.send("POST /exec/abc/start HTTP/1.1\r\nHost: d\r\nContent-Length: 2\r\n\r\n{}");
  auto head = c.read_head();
  REQUIRE(head);
  CHECK(head->status == 200);
  c.send("abc");
  CHECK(c.read_exact(3) == "abc");
  c.send(std::string("\x10"));  // the test duplex detaches on ctrl-p
  CHECK(c.peer_closed());
}

TEST_CASE("blocking handlers run on the work pool, not the IO thread", "[server]") {
  std::promise<void> released;
  auto released_f = released.get_future().share();
  TestServer s(
      [&](http::Router& r) {
        r.get("/slow", [released_f](const http::Request&) {
          bool ok = released_f.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
          return http::Reply::text(ok ? "released" : "timed out");
        });
        r.get("/release",
              [&released](const http::Request&) {
                released.set_value();
                return http::Reply::text("ok");
              },
              {.blocking = false});
      },
      [](DaemonOptions& o) { o.io_threads = 1; });
  auto slow = std::async(std::launch::async, [&] { return test::request(s.socket(), "GET", "/slow"); });
  // With one IO thread, /release is only served if /slow is not holding it.
  CHECK(test::request(s.socket(), "GET", "/release").body == "ok");
  CHECK(slow.get().body == "released");
}

TEST_CASE("graceful shutdown finishes the request in flight and exits 0", "[server]") {
  std::promise<void> entered;
  TestServer s([&](http::Router& r) {
    r.get("/work", [&entered](const http::Request&) {
      entered.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return http::Reply::text("done");
    });
  });
  auto idle = RawConnection::unix_socket(s.socket());  // an idle keep-alive connection is closed at once
  auto busy = std::async(std::launch::async, [&] { return test::request(s.socket(), "GET", "/work"); });
  entered.get_future().wait();
  auto socket_path = s.socket();
  CHECK(s.stop() == 0);
  auto r = busy.get();
  CHECK(r.status == 200);
  CHECK(r.body == "done");
  CHECK(r.header("Connection") == "close");
  CHECK(idle.peer_closed());
  CHECK_FALSE(std::filesystem::exists(socket_path));
}

TEST_CASE("the daemon exits by itself after --time seconds without connections", "[server]") {
  TestServer s(echo_routes, [](DaemonOptions& o) { o.idle_exit = std::chrono::seconds(1); });
  CHECK(test::request(s.socket(), "GET", "/_ping").status == 200);
  CHECK(s.wait_exit(std::chrono::seconds(10)));
}

TEST_CASE("no fd leaks after 200 dropped hijacks and streams", "[server]") {
  TestServer s([](http::Router& r) {
    r.post("/attach",
           [](const http::Request&) { return http::Reply::hijack(std::make_shared<test::EchoDuplex>(false)); });
    r.get("/events", [](const http::Request&) {
      return http::Reply::chunks(http::Framing::json_lines, std::make_shared<test::QueueSource>());
    });
  });
  // Warm up what is created lazily: each IO thread's reactor (epoll, eventfd, timerfd) is made when its first
  // connection lands on it, and connections go round robin.
  for (int i = 0; i < 4; ++i) CHECK(test::request(s.socket(), "GET", "/nope").status == 404);
  // The server closes the warm-up connections asynchronously: wait until only the listening socket is left.
  auto sockets = [] {
    auto listing = fd_listing();
    int n = 0;
    for (auto pos = listing.find("socket:"); pos != std::string::npos; pos = listing.find("socket:", pos + 1)) ++n;
    return n;
  };
  for (int i = 0; i < 300 && sockets() > 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  int before = open_fds();
  auto before_listing = fd_listing();
  for (int i = 0; i < 200; ++i) {
    auto c = RawConnection::unix_socket(s.socket());
    c.send(i % 2 ? "POST /attach HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
                 : "GET /events HTTP/1.1\r\nHost: d\r\n\r\n");
    REQUIRE(c.read_head());
  }
  int after = before;
  for (int i = 0; i < 300; ++i) {
    after = open_fds();
    if (after <= before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  INFO("open fds before:\n" << before_listing << "after:\n" << fd_listing());
  CHECK(after <= before);
}
