// Stdin backpressure for hijacked and websocket attach/exec: what the container has not taken yet stays in the
// Duplex, and the input pump reads nothing more from the client until it is out. Included by hijack.hpp and
// websocket_attach.hpp.
#pragma once

#include <unistd.h>

#include "core/streams/source.hpp"
#include "server/net/beast_pch.hpp"

namespace berth::net {

namespace asio = boost::asio;

// Waits (without blocking the thread) until the Duplex's kept stdin is written; false when waiting failed.
inline asio::awaitable<bool> drain_input(core::streams::Duplex& duplex) {
  if (!duplex.input_pending()) co_return true;
  int fd = ::dup(duplex.input_fd());
  if (fd < 0) co_return false;
  asio::posix::stream_descriptor writable(co_await asio::this_coro::executor, fd);
  while (duplex.input_pending()) {
    auto [ec] =
        co_await writable.async_wait(asio::posix::descriptor_base::wait_write, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return false;
    duplex.flush_input();
  }
  co_return true;
}

}  // namespace berth::net
