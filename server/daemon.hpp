// The daemon: io_context and IO threads, the work pool, listeners (unix, tcp, tls, systemd socket activation),
// signals, the idle-exit timer (--time) and graceful shutdown.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/http/router.hpp"
#include "server/net/server_config.hpp"

namespace berth {

struct DaemonOptions {
  std::vector<std::string> uris;  // unix:///path or tcp://HOST:PORT; ignored under socket activation
  net::TlsFiles tls;
  int io_threads = 2;
  int workers = 16;
  net::ServerLimits limits;
  std::chrono::seconds idle_exit{0};  // exit after this long without connections; 0 = never
  bool handle_signals = true;         // SIGTERM/SIGINT -> graceful shutdown
  bool socket_activation = true;      // honour LISTEN_PID/LISTEN_FDS
};

class Daemon {
 public:
  // Binds every listener now, so errors (address in use, bad certificate) surface before run().
  Daemon(const http::Router& router, DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Serves until shutdown; returns the process exit code.
  int run();
  // Stop accepting, finish in-flight requests (bounded), close streams; run() then returns. Thread-safe.
  void shutdown();
  // Where it listens, as URIs (a tcp port 0 shows the port it got).
  std::vector<std::string> endpoints() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth
