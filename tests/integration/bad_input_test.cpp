// Bad input: unknown routes, wrong methods, unsupported API versions, malformed requests, oversized bodies and
// headers, invalid query values. Each answer is a JSON error, and berthd keeps serving afterwards.
#include <catch2/catch.hpp>

#include "tests/integration/common.hpp"
#include "tests/support/raw_http.hpp"

using namespace berth::test;

namespace {

// Sends raw bytes on a fresh connection and reads one response.
std::optional<RawResponse> raw_exchange(const Berthd& d, const std::string& bytes) {
  auto c = RawConnection::unix_socket(d.socket());
  try {
    c.send(bytes);
  } catch (const std::exception&) {
    // EPIPE after an early answer (413, 431) is expected; the answer is still there to read.
  }
  return c.read_response();
}

Response from_raw(const RawResponse& raw) {
  Response r;
  r.status = raw.status;
  for (const auto& [k, v] : raw.headers) r.headers[k] = v;
  r.body = raw.body;
  return r;
}

}  // namespace

TEST_CASE("an unknown route is a 404 JSON error", "[integration][errors]") {
  Berthd d;
  for (const char* path : {"/no/such/route", "/v1.41/no/such/route", "/v4.3.1/libpod/no/such/route"}) {
    INFO("GET " << path);
    check_error_reply(d.request("GET", path), 404);
  }
  check_still_serves(d);
}

TEST_CASE("a known route with the wrong method is a 405 JSON error", "[integration][errors]") {
  Berthd d;
  check_error_reply(d.request("DELETE", "/_ping"), 405);
  check_error_reply(d.request("POST", "/v1.41/version"), 405);
  check_error_reply(d.request("PUT", "/v4.3.1/libpod/info"), 405);
  check_still_serves(d);
}

TEST_CASE("a docker API version below 1.24 is refused as too old", "[integration][errors]") {
  Berthd d;
  check_error_reply(d.request("GET", "/v1.12/version"), 400, "too old");
  check_still_serves(d);
}

TEST_CASE("a malformed request is a 400 JSON error", "[integration][errors]") {
  Berthd d;
  SECTION("garbage request line") {
    auto r = raw_exchange(d, "THIS IS NOT HTTP\r\n\r\n");
    REQUIRE(r);
    check_error_reply(from_raw(*r), 400);
  }
  SECTION("header line without a colon") {
    auto r = raw_exchange(d, "GET /_ping HTTP/1.1\r\nHost: d\r\nno colon here\r\n\r\n");
    REQUIRE(r);
    check_error_reply(from_raw(*r), 400);
  }
  SECTION("bad chunk size") {
    // GET /_ping exists, so the server reads the body it is offered and finds the chunk size malformed.
    auto r = raw_exchange(d, "GET /_ping HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    REQUIRE(r);
    check_error_reply(from_raw(*r), 400);
  }
  check_still_serves(d);
}

// A route that buffers its body (uploads such as load and import stream instead, without this limit).
TEST_CASE("a 40 MiB request body is refused with 413", "[integration][errors]") {
  Berthd d;
  constexpr std::size_t k40MiB = 40u << 20;
  SECTION("with the body, as curl sends it") {
    std::string body(k40MiB, 'x');
    auto r = d.request("POST", "/v1.41/images/prune", body, {{"Content-Type", "application/json"}});
    check_error_reply(r, 413, "too large|exceeds");
  }
  SECTION("refused from the Content-Length alone, before the body is sent") {
    auto r = raw_exchange(d,
                          "POST /v1.41/images/prune HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
                          "Content-Length: " +
                              std::to_string(k40MiB) + "\r\n\r\n");
    REQUIRE(r);
    check_error_reply(from_raw(*r), 413, "too large|exceeds");
  }
  SECTION("chunked, without a Content-Length: refused once 32 MiB have arrived") {
    std::string chunk(1 << 20, 'x');
    std::string head = "GET /_ping HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string framed = "100000\r\n" + chunk + "\r\n";
    std::string all = head;
    for (int i = 0; i < 40; ++i) all += framed;
    all += "0\r\n\r\n";
    auto r = raw_exchange(d, all);
    REQUIRE(r);
    check_error_reply(from_raw(*r), 413, "too large|exceeds");
  }
  check_still_serves(d);
}

TEST_CASE("a huge request header is refused with 431", "[integration][errors]") {
  Berthd d;
  auto r = raw_exchange(d, "GET /_ping HTTP/1.1\r\nHost: d\r\nX-Huge: " + std::string(100 * 1024, 'a') + "\r\n\r\n");
  REQUIRE(r);
  check_error_reply(from_raw(*r), 431);
  check_still_serves(d);
}
