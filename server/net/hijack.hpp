// Hijack: after the handler validated the attach/exec and connected to the container, write our own 101 (or
// 200) head and run two pumps: client bytes -> Duplex input, Duplex output -> client (mux or raw frames).
// It ends when the output ends (the container exited) or the client leaves. Included only by session.cpp.
#pragma once

#include "server/http/request.hpp"
#include "server/http/version.hpp"
#include "server/net/duplex_input.hpp"
#include "server/net/pump.hpp"

namespace berth::net {

// "101 UPGRADED" with the Upgrade the client asked for, or "200 OK" when it asked for none (docker does both).
inline std::string hijack_head(const http::Request& req, const http::Headers& extra) {
  auto upgrade = req.headers.get("Upgrade");
  auto connection = req.headers.get("Connection");
  bool upgrading = upgrade && connection && connection->find("pgrade") != std::string_view::npos;
  std::string head = upgrading ? "HTTP/1.1 101 UPGRADED\r\n" : "HTTP/1.1 200 OK\r\n";
  head += "Content-Type: application/vnd.docker.raw-stream\r\n";
  if (upgrading) {
    head += "Connection: Upgrade\r\nUpgrade: ";
    head += *upgrade;
    head += "\r\n";
  }
  http::Headers headers = extra;
  http::add_server_headers(headers);
  for (auto& [k, v] : headers.fields())
    if (!http::iequals(k, "Content-Type")) head += k + ": " + v + "\r\n";
  head += "\r\n";
  return head;
}

template <class Stream>
asio::awaitable<void> hijack_input(Stream& stream, core::streams::Duplex& duplex) {
  std::array<char, 64 * 1024> buf;
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    if (n > 0 && !duplex.write_input(std::string_view(buf.data(), n))) co_return;  // detached
    if (n > 0 && !co_await drain_input(duplex)) co_return;
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) break;
    if (ec) co_return;
  }
  // Half-close: the container's stdin ends, its output keeps flowing until it exits.
  duplex.close_input();
  co_await drain_input(duplex);
  asio::steady_timer park(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
  co_await park.async_wait(asio::as_tuple(asio::use_awaitable));
}

template <class Stream>
asio::awaitable<void> hijack_output(Stream& stream, core::streams::Duplex& duplex, http::Framing framing,
                                    std::uint64_t& bytes_out) {
  auto& lowest = boost::beast::get_lowest_layer(stream);
  auto write = [&stream](const std::string& bytes) -> asio::awaitable<bool> {
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  };
  // The input pump reads from the client; this one must not also watch it.
  co_await pump_source(duplex, framing, lowest, write, bytes_out, /*watch_client=*/false);
}

template <class Stream>
asio::awaitable<void> run_hijack(Stream& stream, boost::beast::flat_buffer& buffer, const http::Request& req,
                                 const http::Reply& reply, std::uint64_t& bytes_out) {
  using namespace boost::asio::experimental::awaitable_operators;
  auto head = hijack_head(req, reply.headers);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  auto& duplex = *reply.duplex;
  duplex.begin();
  // Bytes the client sent right behind the request head are already stdin.
  if (buffer.size() > 0) {
    auto data = buffer.data();
    bool go_on = duplex.write_input(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer.consume(buffer.size());
    if (!go_on) co_return;
  }
  co_await (hijack_output(stream, duplex, reply.framing, bytes_out) || hijack_input(stream, duplex));
}

}  // namespace berth::net
