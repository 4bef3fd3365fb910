// Moving a core Source of chunks onto a connection: wait on the source's fd (or the client hanging up), drain
// what is ready, frame it and write it. Included only by session.cpp, where its templates are instantiated.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include "core/log.hpp"
#include "server/http/framing.hpp"
#include "server/net/beast_pch.hpp"

namespace berth::net {

namespace asio = boost::asio;

// What happened while waiting for a source.
enum class WaitResult { source_ready, client_gone };

// Waits until the source may have items, or the client hangs up. Readable data from the client that is not a
// hang-up (a pipelined request, TLS records) turns the hang-up watch off for the rest of the stream.
template <class Socket>
asio::awaitable<WaitResult> wait_source(asio::posix::stream_descriptor& source_fd, Socket& client, bool& watch_client) {
  using asio::as_tuple;
  using asio::use_awaitable;
  using namespace boost::asio::experimental::awaitable_operators;
  if (!watch_client) {
    co_await source_fd.async_wait(asio::posix::descriptor_base::wait_read, as_tuple(use_awaitable));
    co_return WaitResult::source_ready;
  }
  auto which = co_await (source_fd.async_wait(asio::posix::descriptor_base::wait_read, as_tuple(use_awaitable)) ||
                         client.async_wait(asio::socket_base::wait_read, as_tuple(use_awaitable)));
  if (which.index() == 0) co_return WaitResult::source_ready;
  char c;
  auto n = ::recv(client.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) co_return WaitResult::client_gone;
  if (n > 0) watch_client = false;
  co_return WaitResult::source_ready;
}

// Pumps `source` into `write(bytes)` until the source ends (true) or the client leaves or a write fails (false).
// Items that are ready together go out in one write of up to 64 KiB.
template <class Socket, class Write>
asio::awaitable<bool> pump_source(http::ChunkSource& source, http::Framing framing, Socket& client, Write write,
                                  std::uint64_t& bytes_out, bool watch_client = true) {
  auto executor = co_await asio::this_coro::executor;
  int fd = ::dup(source.wait_fd());
  if (fd < 0) co_return false;
  asio::posix::stream_descriptor waiter(executor, fd);
  std::string out;
  core::streams::Chunk chunk;
  for (;;) {
    core::streams::Poll poll = core::streams::Poll::end;
    bool failed = false;
    try {
      poll = source.next(chunk);
    } catch (const std::exception& e) {
      // A producer failing after the headers cannot change the status any more: end the stream abruptly (no last
      // chunk) so the client sees it truncated. Never let it escape: the session's `||` waits for a success.
      core::log::warn(std::string("stream aborted: ") + e.what());
      failed = true;
    }
    if (failed) {
      bytes_out += out.size();
      if (!out.empty()) co_await write(out);  // what the producer managed to send still goes out
      co_return false;
    }
    if (poll == core::streams::Poll::item) {
      http::append_frame(out, framing, chunk);
      if (out.size() < 64 * 1024) continue;
    }
    if (!out.empty()) {
      bytes_out += out.size();
      if (!co_await write(out)) co_return false;
      out.clear();
    }
    if (poll == core::streams::Poll::end) co_return true;
    if (poll == core::streams::Poll::pending) {
      if (co_await wait_source(waiter, client, watch_client) == WaitResult::client_gone) co_return false;
      asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
      auto cancelled = state.cancelled();
      if (cancelled != asio::cancellation_type::none) co_return false;
    }
  }
}

}  // namespace berth::net
