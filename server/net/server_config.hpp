// Limits and TLS files of the HTTP server (Beast-free, so main.cpp and tests can fill them in).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace berth::net {

struct ServerLimits {
  std::uint32_t header_limit = 64 * 1024;   // request line + headers; more -> 431
  std::uint64_t body_limit = 32ull << 20;   // buffered request bodies; more -> 413
  std::chrono::seconds idle_timeout{300};   // a keep-alive connection may wait this long for a request
  std::chrono::seconds write_timeout{300};  // a buffered reply must be taken by the client within this
  std::chrono::seconds drain_timeout{15};   // graceful shutdown waits this long for busy requests
};

// docker's --tlsverify model: a server certificate, and a CA that client certificates must chain to.
struct TlsFiles {
  std::string cert;
  std::string key;
  std::string verify_ca;  // empty: no client certificates asked for
  bool enabled() const { return !cert.empty(); }
};

}  // namespace berth::net
