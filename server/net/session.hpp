// One HTTP/1.1 connection as a coroutine: keep-alive, pipelining, limits, timeouts, one log line per request,
// and the four reply modes (buffered, json-lines stream, byte stream, hijack).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/thread_pool.hpp>

#include "server/http/router.hpp"
#include "server/net/connection_tracker.hpp"
#include "server/net/server_config.hpp"

namespace berth::net {

struct SessionContext {
  const http::Router& router;
  boost::asio::thread_pool& pool;  // blocking handlers run here, never on the IO threads
  const ServerLimits& limits;
  ConnectionTracker& tracker;
};

using UnixSocket = boost::asio::local::stream_protocol::socket;
using TcpSocket = boost::asio::ip::tcp::socket;
using TlsStream = boost::asio::ssl::stream<TcpSocket>;

boost::asio::awaitable<void> serve(UnixSocket socket, SessionContext& ctx);
boost::asio::awaitable<void> serve(TcpSocket socket, SessionContext& ctx);
// Performs the TLS handshake (bounded by the idle timeout) and then serves.
boost::asio::awaitable<void> serve(TlsStream stream, SessionContext& ctx);

}  // namespace berth::net
