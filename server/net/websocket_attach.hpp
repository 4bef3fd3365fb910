// Websocket attach (GET /containers/{name}/attach/ws): after the handler validated and connected, the websocket
// handshake, then container output as binary messages and client messages as stdin. Included only by session.cpp.
#pragma once

#include "server/http/request.hpp"
#include "server/http/version.hpp"
#include "server/net/duplex_input.hpp"
#include "server/net/pump.hpp"

namespace berth::net {

// True when the request asks for a websocket (Upgrade: websocket, Sec-WebSocket-Key, ...).
inline bool is_websocket_request(const http::Request& req,
                                 boost::beast::http::request<boost::beast::http::empty_body>& head) {
  head.method_string(req.method);
  head.target(req.target);
  head.version(11);
  for (const auto& [k, v] : req.headers.fields()) head.insert(k, v);
  return boost::beast::websocket::is_upgrade(head);
}

template <class WebSocket>
asio::awaitable<void> websocket_input(WebSocket& ws, core::streams::Duplex& duplex) {
  boost::beast::flat_buffer message;
  for (;;) {
    auto [ec, n] = co_await ws.async_read(message, asio::as_tuple(asio::use_awaitable));
    if (ec == boost::beast::websocket::error::closed) {
      // The client's close frame: its input is over (docker closes a StdinOnce container's stdin then).
      duplex.close_input();
      co_await drain_input(duplex);
      co_return;
    }
    if (ec) co_return;
    auto data = message.data();
    bool go_on = duplex.write_input(std::string_view(static_cast<const char*>(data.data()), data.size()));
    message.consume(message.size());
    if (!go_on) co_return;  // detached
    if (!co_await drain_input(duplex)) co_return;
  }
}

template <class WebSocket>
asio::awaitable<void> websocket_output(WebSocket& ws, core::streams::Duplex& duplex, std::uint64_t& bytes_out) {
  auto write = [&ws](const std::string& bytes) -> asio::awaitable<bool> {
    auto [ec, n] = co_await ws.async_write(asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  };
  // Raw frames: a message carries no stream id, so docker sends stdout and stderr alike as bytes.
  bool ended = co_await pump_source(duplex, http::Framing::raw, boost::beast::get_lowest_layer(ws), write, bytes_out,
                                    /*watch_client=*/false);
  // The container exited: say so with a normal close.
  if (ended) co_await ws.async_close(boost::beast::websocket::close_code::normal, asio::as_tuple(asio::use_awaitable));
}

// Runs the handshake for the already parsed request `head`, then both pumps until either ends.
template <class Stream>
asio::awaitable<void> run_websocket(Stream& stream, boost::beast::http::request<boost::beast::http::empty_body>& head,
                                    const http::Reply& reply, std::uint64_t& bytes_out) {
  using namespace boost::asio::experimental::awaitable_operators;
  namespace websocket = boost::beast::websocket;
  websocket::stream<Stream&> ws(stream);
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    for (const auto& [name, value] : http::server_headers()) res.set(name, value);
  }));
  ws.set_option(websocket::stream_base::timeout{.handshake_timeout = std::chrono::seconds(30),
                                                .idle_timeout = websocket::stream_base::none(),
                                                .keep_alive_pings = false});
  auto [ec] = co_await ws.async_accept(head, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  ws.binary(true);
  auto& duplex = *reply.duplex;
  duplex.begin();
  co_await (websocket_output(ws, duplex, bytes_out) || websocket_input(ws, duplex));
}

}  // namespace berth::net
