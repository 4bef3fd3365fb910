// One libcurl easy handle per RegistryClient (reused so connections stay alive), with the transport rules every
// registry request shares: timeouts, TLS verification and certs.d files, cancellation, streaming bodies.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/sys/cancel.hpp"

namespace berth::core::registry::detail {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // sent as is when body_fd < 0 (POST/PUT)
  int body_fd = -1;                  // else body_size bytes are read from here with pread from body_offset
  std::uint64_t body_offset = 0;
  std::uint64_t body_size = 0;
  bool follow_redirects = false;
  // Receives a 2xx response body as it arrives (other statuses are collected in HttpResponse::body).
  const std::function<void(std::string_view)>* sink = nullptr;
  const std::function<void(std::uint64_t, std::uint64_t)>* progress = nullptr;
  std::size_t max_body = 16 << 20;  // a collected body larger than this → too_large
  long timeout_s = 0;               // the whole exchange at most this long (0: only the connect and stall limits)
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lowercase names; the last value wins
  std::string body;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Why a request got no HTTP response at all.
struct TransportError {
  int curl_code = 0;
  std::string text;  // "connection refused", "http: server gave HTTP response to HTTPS client", ...
  bool timeout = false;
  bool cancelled = false;
};

struct TlsSettings {
  bool verify = true;
  std::string certs_dir;  // ca.crt / *.crt added to the system CAs, client.cert + client.key presented
};

class CurlSession {
 public:
  CurlSession(TlsSettings tls, const sys::CancelToken* cancel);
  ~CurlSession();
  CurlSession(const CurlSession&) = delete;
  CurlSession& operator=(const CurlSession&) = delete;

  // Performs the request. Returns false and fills `error` when no HTTP response arrived; exceptions thrown by the
  // sink or progress callbacks propagate after the transfer is aborted.
  bool perform(const HttpRequest& request, HttpResponse& response, TransportError& error);

 private:
  void* curl_;  // CURL*, kept out of the header
  TlsSettings tls_;
  std::string ca_blob_;  // the system bundle plus certs.d CAs, when certs_dir has any
  const sys::CancelToken* cancel_;
};

// Timeouts in seconds: connect (TLS handshake included) and "no byte for this long". BERTH_REGISTRY_TIMEOUT_S
// overrides both (tests use a few seconds); the defaults are 30 and 60.
long connect_timeout_s();
long stall_timeout_s();

// Percent-encodes a query value.
std::string url_escape(std::string_view text);

}  // namespace berth::core::registry::detail
