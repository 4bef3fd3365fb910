// Streamed request bodies (load, import) and pipe-fed byte streams (save) through the real server/net.
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/streams/pipe_source.hpp"
#include "tests/server/test_server.hpp"
#include "tests/support/raw_http.hpp"

using namespace berth;
using berth::test::RawConnection;
using berth::test::TestServer;
using Clock = std::chrono::steady_clock;

namespace {

// Reads the body fd to EOF: its length and a cheap checksum.
std::pair<std::uint64_t, std::uint64_t> drain(int fd) {
  std::vector<char> buf(1 << 20);
  std::uint64_t total = 0, sum = 0;
  for (;;) {
    auto n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; i += 4096) sum += static_cast<unsigned char>(buf[static_cast<std::size_t>(i)]);
    total += static_cast<std::uint64_t>(n);
  }
  return {total, sum};
}

void upload_routes(http::Router& r) {
  r.post("/upload",
         [](const http::Request& req) {
           auto [len, sum] = drain(req.body_fd());
           return http::Reply::json({{"len", len}, {"sum", sum}});
         },
         {.streamed_body = true});
  // Reads 10 bytes and gives up, as a load of a bad archive does.
  r.post("/reject",
         [](const http::Request& req) -> http::Reply {
           char buf[10];
           [[maybe_unused]] auto n = ::read(req.body_fd(), buf, sizeof buf);
           core::fail(core::Errc::invalid_argument, "not an archive");
         },
         {.streamed_body = true});
  r.get("/_ping", [](const http::Request&) { return http::Reply::text("OK"); });
}

std::string post_head(std::string_view target, std::string_view extra) {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: d\r\n" + std::string(extra) + "\r\n";
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

}  // namespace

TEST_CASE("a streamed body with Content-Length reaches the handler whole, past the buffered limit",
          "[server][stream]") {
  TestServer s(upload_routes, [](DaemonOptions& o) { o.limits.body_limit = 1024; });
  auto body = pattern(5 << 20);
  auto c = RawConnection::unix_socket(s.socket());
  c.send(post_head("/v1.41/upload", "Content-Length: " + std::to_string(body.size()) + "\r\n") + body);
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  auto j = nlohmann::json::parse(r->body);
  CHECK(j["len"] == body.size());
  // keep-alive still works after a fully read streamed body
  c.send("GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n");
  auto p = c.read_response();
  REQUIRE(p);
  CHECK(p->body == "OK");
}

TEST_CASE("a chunked streamed body is decoded into the pipe", "[server][stream]") {
  TestServer s(upload_routes);
  auto c = RawConnection::unix_socket(s.socket());
  std::string req = post_head("/upload", "Transfer-Encoding: chunked\r\n");
  std::string body;
  // Odd chunk sizes so chunk headers fall across reads.
  for (std::size_t size : {1u, 17u, 4096u, 70000u, 300000u, 3u}) {
    auto part = pattern(size);
    body += part;
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx\r\n", size);
    req += hex + part + "\r\n";
  }
  req += "0\r\n\r\n";
  c.send(req);
  auto r = c.read_response();
  REQUIRE(r);
  auto j = nlohmann::json::parse(r->body);
  CHECK(j["len"] == body.size());
}

TEST_CASE("Expect: 100-continue is answered before a streamed body", "[server][stream]") {
  TestServer s(upload_routes);
  auto c = RawConnection::unix_socket(s.socket());
  c.send(post_head("/upload", "Content-Length: 5\r\nExpect: 100-continue\r\n"));
  auto cont = c.read_head();
  REQUIRE(cont);
  CHECK(cont->status == 100);
  c.send("hello");
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(nlohmann::json::parse(r->body)["len"] == 5);
}

TEST_CASE("a handler that fails before the body ends still answers, then the connection closes", "[server][stream]") {
  TestServer s(upload_routes);
  auto c = RawConnection::unix_socket(s.socket());
  std::size_t total = 64 << 20;
  c.send(post_head("/reject", "Content-Length: " + std::to_string(total) + "\r\n"));
  // Keep sending in the background: the server answers while the body is still coming.
  int fd = c.fd();
  auto sender = std::async(std::launch::async, [fd, total] {
    std::string block(1 << 16, 'x');
    for (std::size_t sent = 0; sent < total;) {
      auto n = ::send(fd, block.data(), std::min(block.size(), total - sent), MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  });
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(nlohmann::json::parse(r->body)["cause"] == "not an archive");
  CHECK(r->header("connection") == "close");
  CHECK(c.peer_closed());
  sender.wait();
  CHECK(test::request(s.socket(), "GET", "/_ping").status == 200);
}

TEST_CASE("a client that leaves mid-body gives the handler a short body", "[server][stream]") {
  std::promise<std::uint64_t> seen;
  TestServer s([&](http::Router& r) {
    r.post("/upload",
           [&seen](const http::Request& req) {
             seen.set_value(drain(req.body_fd()).first);
             return http::Reply::no_content();
           },
           {.streamed_body = true});
  });
  {
    auto c = RawConnection::unix_socket(s.socket());
    c.send(post_head("/upload", "Content-Length: 1000000\r\n") + std::string(1000, 'x'));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto f = seen.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(f.get() == 1000);
}

TEST_CASE("streamed body throughput", "[server][stream][bench]") {
  TestServer s(upload_routes);
  auto c = RawConnection::unix_socket(s.socket());
  std::size_t total = 512ull << 20;
  c.send(post_head("/upload", "Content-Length: " + std::to_string(total) + "\r\n"));
  std::string block(1 << 20, 'y');
  auto start = Clock::now();
  for (std::size_t sent = 0; sent < total; sent += block.size()) c.send(block);
  auto r = c.read_response();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  REQUIRE(r);
  CHECK(nlohmann::json::parse(r->body)["len"] == total);
  WARN("streamed body: " << static_cast<int>(static_cast<double>(total) / secs / 1e6) << " MB/s");
}

namespace {

// A save-like producer: `total` bytes of pattern in 256 KiB writes.
void produce(int fd, std::size_t total, std::atomic<bool>* epipe = nullptr) {
  std::string block = pattern(256 << 10);
  for (std::size_t done = 0; done < total;) {
    auto n = ::write(fd, block.data(), std::min(block.size(), total - done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (epipe && errno == EPIPE) *epipe = true;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

TEST_CASE("a PipeSource streams a producer's bytes as a raw chunked reply", "[server][stream]") {
  std::size_t total = 8 << 20;
  TestServer s([&](http::Router& r) {
    r.get("/save", [total](const http::Request&) {
      auto src = std::make_shared<core::streams::PipeSource>([total](int fd) { produce(fd, total); });
      src->start();
      auto reply = http::Reply::chunks(http::Framing::raw, src);
      reply.headers.set("Content-Type", "application/x-tar");
      return reply;
    });
  });
  auto c = RawConnection::unix_socket(s.socket());
  c.send("GET /save HTTP/1.1\r\nHost: d\r\n\r\n");
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("content-type") == "application/x-tar");
  CHECK(r->body.size() == total);
  CHECK(r->body.substr(0, 1000) == pattern(1000));
  std::string expected;
  for (auto block = pattern(256 << 10); expected.size() < total;) expected += block;
  CHECK(r->body == expected);
}

TEST_CASE("a PipeSource producer that fails before writing becomes a JSON error reply", "[server][stream]") {
  TestServer s([](http::Router& r) {
    r.get("/save", [](const http::Request&) {
      auto src = std::make_shared<core::streams::PipeSource>(
          [](int) { core::fail(core::Errc::not_found, "image not known", "nope"); });
      src->start();
      return http::Reply::chunks(http::Framing::raw, src);
    });
  });
  auto r = test::request(s.socket(), "GET", "/save");
  CHECK(r.status == 404);
  CHECK(nlohmann::json::parse(r.body)["message"] == "nope: image not known");
}

TEST_CASE("a PipeSource failure after the first byte cuts the stream", "[server][stream]") {
  TestServer s([](http::Router& r) {
    r.get("/save", [](const http::Request&) {
      auto src = std::make_shared<core::streams::PipeSource>([](int fd) {
        [[maybe_unused]] auto n = ::write(fd, "partial", 7);
        core::fail(core::Errc::internal, "disk on fire");
      });
      src->start();
      return http::Reply::chunks(http::Framing::raw, src);
    });
    r.get("/_ping", [](const http::Request&) { return http::Reply::text("OK"); });
  });
  auto c = RawConnection::unix_socket(s.socket());
  c.send("GET /save HTTP/1.1\r\nHost: d\r\n\r\n");
  auto head = c.read_head();
  REQUIRE(head);
  CHECK(head->status == 200);
  auto rest = c.read_to_close();
  CHECK(rest.find("partial") != std::string::npos);
  CHECK(rest.find("0\r\n\r\n") == std::string::npos);  // no last chunk: the client sees a truncated stream
  CHECK(test::request(s.socket(), "GET", "/_ping").status == 200);
}

TEST_CASE("a client leaving a PipeSource stream stops the producer with EPIPE", "[server][stream]") {
  std::atomic<bool> epipe{false};
  std::atomic<bool> done{false};
  TestServer s([&](http::Router& r) {
    r.get("/save", [&](const http::Request&) {
      auto src = std::make_shared<core::streams::PipeSource>([&](int fd) {
        produce(fd, std::size_t(1) << 40, &epipe);
        done = true;
      });
      src->start();
      return http::Reply::chunks(http::Framing::raw, src);
    });
  });
  {
    auto c = RawConnection::unix_socket(s.socket());
    c.send("GET /save HTTP/1.1\r\nHost: d\r\n\r\n");
    REQUIRE(c.read_head());
    c.read_exact(1 << 20);
  }
  for (int i = 0; i < 500 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(done);
  CHECK(epipe);
}

TEST_CASE("PipeSource throughput to a unix socket client", "[server][stream][bench]") {
  std::size_t total = 1ull << 30;
  TestServer s([&](http::Router& r) {
    r.get("/save", [total](const http::Request&) {
      auto src = std::make_shared<core::streams::PipeSource>([total](int fd) { produce(fd, total); });
      src->start();
      return http::Reply::chunks(http::Framing::raw, src);
    });
  });
  auto c = RawConnection::unix_socket(s.socket());
  c.send("GET /save HTTP/1.1\r\nHost: d\r\n\r\n");
  REQUIRE(c.read_head());
  // Count bytes without keeping them (chunk framing included; ~16 bytes per MiB).
  std::vector<char> buf(1 << 20);
  std::size_t got = 0;
  std::string tail;
  auto start = Clock::now();
  for (;;) {
    auto n = ::recv(c.fd(), buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      INFO("recv returned " << n << " (" << std::strerror(errno) << ") after " << got << " bytes");
      FAIL("the stream ended without its last chunk");
    }
    got += static_cast<std::size_t>(n);
    // The last chunk may arrive split across reads: look at the stream's tail, not this read's.
    tail = (tail + std::string(buf.data() + (n > 8 ? n - 8 : 0), buf.data() + n));
    if (tail.size() > 8) tail.erase(0, tail.size() - 8);
    if (tail.ends_with("\r\n0\r\n\r\n")) break;  // the pattern is letters only: this is the last chunk
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  CHECK(got + 65536 >= total);  // read_head() may have kept the first bytes of the body
  WARN("PipeSource stream: " << static_cast<int>(static_cast<double>(got) / secs / 1e6) << " MB/s");
}
