// The HTTP/1.1 connection coroutine. Its templates are instantiated here only, for unix, tcp and tls streams.
#include "server/net/session.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <iterator>
#include <memory>
#include <variant>
#include <vector>

#include "core/log.hpp"
#include "server/http/error_map.hpp"
#include "server/http/version.hpp"
#include "server/net/beast_pch.hpp"
#include "server/net/hijack.hpp"
#include "server/net/pump.hpp"
#include "server/net/websocket_attach.hpp"

namespace berth::net {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::as_tuple;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

// Closes the connection when a read or write takes too long. One per connection, on the connection's thread.
// Arming is a store, not a timer operation: the watchdog sleeps until the latest deadline and re-checks, so a
// request costs no timer syscalls (deadlines only move later while the connection is served).
class Deadline {
 public:
  explicit Deadline(asio::any_io_executor ex) : timer_(ex, Clock::time_point::max()) {}
  void arm(std::chrono::seconds d) {
    at_ = Clock::now() + d;
    armed_ = true;
    if (at_ < timer_at_) timer_.cancel();  // the watchdog sleeps past the new deadline: wake it to re-arm
  }
  void disarm() { armed_ = false; }
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

  template <class Lowest>
  asio::awaitable<void> watch(Lowest& socket) {
    while (!stopped_) {
      // Unarmed (a handler or a stream is running): look again in an hour.
      timer_at_ = armed_ ? at_ : Clock::now() + std::chrono::hours(1);
      timer_.expires_at(timer_at_);
      co_await timer_.async_wait(as_tuple(use_awaitable));
      asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
      if (state.cancelled() != asio::cancellation_type::none) co_return;  // the session ended first
      if (!stopped_ && armed_ && Clock::now() >= at_) {
        boost::system::error_code ignored;
        socket.close(ignored);
        co_return;
      }
    }
  }

 private:
  asio::steady_timer timer_;
  Clock::time_point at_ = Clock::time_point::max();
  Clock::time_point timer_at_ = Clock::time_point::max();
  bool armed_ = false;
  bool stopped_ = false;
};

bool is_parse_error(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

http::Request to_request(const bhttp::request_parser<bhttp::string_body>& parser) {
  const auto& msg = parser.get();
  http::Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.headers.reserve(static_cast<std::size_t>(std::distance(msg.begin(), msg.end())));  // one allocation, not log2(n)
  for (const auto& field : msg) req.headers.add(std::string(field.name_string()), std::string(field.value()));
  return req;
}

// RFC 7231 IMF-fixdate, formatted at most once a second per thread.
const std::string& http_date() {
  thread_local std::time_t cached_at = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_at) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_at = now;
  }
  return cached;
}

std::string log_line(const http::Request& req, int status, std::uint64_t bytes, Clock::time_point start) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  if (us < 0) us = 0;
  // "%.3fms" of us/1000 without printf, which cost more than the rest of the line.
  char frac[4] = {static_cast<char>('0' + us / 100 % 10), static_cast<char>('0' + us / 10 % 10),
                  static_cast<char>('0' + us % 10), 0};
  std::string line;
  line.reserve(req.method.size() + req.target.size() + 48);
  line += req.method;
  line += ' ';
  line += req.target;
  line += ' ';
  line += std::to_string(status);
  line += ' ';
  line += std::to_string(bytes);
  line += "B ";
  line += std::to_string(us / 1000);
  line += '.';
  line += frac;
  line += "ms";
  return line;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// Appends the head of a buffered reply byte for byte as fill_head + prepare_payload + Beast's serializer would
// write it, without building a Beast response (an allocation per field) or copying reply.headers. False, with
// `out` unspecified, when Beast would treat the reply specially (a status without a body, a field it manages,
// a value it would trim): the caller then takes the Beast path.
bool serialize_head(std::string& out, const http::Reply& reply, bool keep_alive) {
  int status = reply.status;
  if (status < 200 || status > 599 || status == 204 || status == 304) return false;
  auto reason = bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\n";
  const auto& server = http::server_headers();
  for (const auto& [name, value] : reply.headers.fields()) {
    if (http::iequals(name, "Date") || http::iequals(name, "Connection") || http::iequals(name, "Content-Length") ||
        http::iequals(name, "Transfer-Encoding"))
      return false;
    if (!value.empty() && (is_ows(value.front()) || is_ows(value.back()))) return false;
    // add_server_headers replaces these.
    if (std::any_of(server.begin(), server.end(), [&](const auto& f) { return http::iequals(name, f.name); })) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  for (const auto& [name, value] : server) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "Date: ";
  out += http_date();
  out += "\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += "Content-Length: ";
  out += std::to_string(reply.body.size());
  out += "\r\n\r\n";
  return true;
}

template <class Stream>
class Session {
 public:
  Session(Stream& stream, SessionContext& ctx, Deadline& deadline, std::uint64_t id)
      : stream_(stream), ctx_(ctx), deadline_(deadline), id_(id) {}

  asio::awaitable<void> run() {
    bool more = true;
    while (more) {
      ctx_.tracker.set_state(id_, ConnectionTracker::State::idle);
      if (ctx_.tracker.draining()) break;
      more = co_await serve_one();
    }
  }

  // True when the connection ends with request bytes the server never read: closing then would reset the
  // connection and could destroy the error reply in flight, so the caller drains before closing.
  bool unread_input() const { return unread_input_; }

 private:
  // Serves one request; false when the connection must end.
  asio::awaitable<bool> serve_one() {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(ctx_.limits.header_limit);
    // No body limit while the header is read: streamed-body routes take any size, and a buffered route's
    // Content-Length is checked once the route is known.
    parser.body_limit(boost::none);
    deadline_.arm(ctx_.limits.idle_timeout);
    beast::error_code ec = read_header_now(parser);
    if (ec == bhttp::error::need_more) {
      auto [rec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, as_tuple(use_awaitable));
      ec = rec;
    }
    if (ec) {
      if (ec == bhttp::error::header_limit)
        co_await send_early_error(431, "request header fields too large");
      else if (is_parse_error(ec))
        co_await send_early_error(400, "malformed HTTP request: " + ec.message());
      co_return false;
    }
    ctx_.tracker.set_state(id_, ConnectionTracker::State::busy);
    auto start = Clock::now();
    http::Request req = to_request(parser);
    bool keep_alive = parser.get().keep_alive();

    http::Reply reply;
    const http::Route* route = ctx_.router.route(req, reply);
    if (route && route->options.streamed_body) {
      co_await send_continue(parser);
      reply = co_await dispatch_streamed(*route, req, parser, keep_alive);
      route = nullptr;  // answered
    } else if (!parser.is_done()) {
      auto length = parser.content_length();
      if (route && length && *length > ctx_.limits.body_limit) {
        // A Content-Length over the limit is refused before the body.
        reply = http::Reply::error(413, "request body too large", body_too_large());
        route = nullptr;
      }
      if (!route) {
        keep_alive = false;  // answer without reading a body nobody will use
        unread_input_ = true;
      } else {
        co_await send_continue(parser);
        parser.body_limit(ctx_.limits.body_limit);  // chunked bodies are counted as they arrive
        auto [bec, bn] = co_await bhttp::async_read(stream_, buffer_, parser, as_tuple(use_awaitable));
        if (bec == bhttp::error::body_limit) {
          reply = http::Reply::error(413, "request body too large", body_too_large());
          route = nullptr;
          keep_alive = false;
          unread_input_ = true;
        } else if (bec) {
          if (is_parse_error(bec)) co_await send_early_error(400, "malformed HTTP request body: " + bec.message());
          co_return false;
        }
      }
    }
    deadline_.disarm();
    if (route) {
      req.body = std::move(parser.get().body());
      reply = co_await dispatch(*route, req);
    }
    if (ctx_.tracker.draining()) keep_alive = false;
    std::uint64_t bytes = 0;
    bool ok = co_await write_reply(req, reply, keep_alive, bytes);
    if (core::log::enabled(core::log::Level::info)) core::log::info(log_line(req, reply.status, bytes, start));
    co_return ok&& keep_alive&& reply.kind != http::Reply::Kind::hijack&& reply.kind != http::Reply::Kind::websocket;
  }

  // Parses a request header that has already arrived (the usual case for a client that sends its next request
  // while we finish the last), with one non-blocking recv when nothing is buffered. It saves the asynchronous
  // read's trip through the scheduler. need_more when the header is incomplete: the parser and buffer_ keep what
  // was seen and async_read_header carries on (and sees an EOF or a socket error itself).
  beast::error_code read_header_now(bhttp::request_parser<bhttp::string_body>& parser) {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      return bhttp::error::need_more;
    } else {
      // A client that always has its next request ready would otherwise keep this loop from ever suspending,
      // starving the other connections, timers and posts of this IO thread: go through the scheduler now and then.
      if (++sync_reads_ > kMaxSyncReads) {
        sync_reads_ = 0;
        return bhttp::error::need_more;
      }
      if (buffer_.size() == 0) {
        std::size_t size = std::min<std::size_t>(std::max<std::size_t>(512, buffer_.capacity()), 65536);
        auto space = buffer_.prepare(size);
        ssize_t n;
        do n = ::recv(stream_.native_handle(), space.data(), space.size(), MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n <= 0) {
          sync_reads_ = 0;  // the asynchronous read that follows suspends
          return bhttp::error::need_more;
        }
        buffer_.commit(static_cast<std::size_t>(n));
      }
      beast::error_code ec;
      buffer_.consume(parser.put(buffer_.data(), ec));
      if (!ec && !parser.is_header_done()) ec = bhttp::error::need_more;
      return ec;
    }
  }

  asio::awaitable<void> send_continue(const bhttp::request_parser<bhttp::string_body>& parser) {
    if (parser.is_done() || parser.get()[bhttp::field::expect] != "100-continue") co_return;
    static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
    co_await asio::async_write(stream_, asio::buffer(cont), as_tuple(use_awaitable));
  }

  // A streamed-body route: the handler runs on the work pool reading req.body_fd() while this coroutine copies
  // the decoded body into the pipe. The handler may answer before the body ends (an error): the copy stops, and
  // the connection closes after the reply since its input is no longer in step.
  asio::awaitable<http::Reply> dispatch_streamed(const http::Route& route, http::Request& req,
                                                 bhttp::request_parser<bhttp::string_body>& header_parser,
                                                 bool& keep_alive) {
    using namespace boost::asio::experimental::awaitable_operators;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      keep_alive = false;  // the body stays unread
      unread_input_ = true;
      co_return http::Reply::error(500, "pipe", "create body pipe: " + errno_text());
    }
    req.body_stream = std::make_shared<const core::sys::Fd>(fds[0]);
    ::fcntl(fds[1], F_SETPIPE_SZ, kBodyPipeSize);  // fewer wake-ups; the default 64 KiB is fine if refused
    ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
    asio::posix::stream_descriptor sink(co_await asio::this_coro::executor, fds[1]);
    bhttp::request_parser<bhttp::buffer_body> parser(std::move(header_parser));
    BodyEnd end = BodyEnd::complete;
    auto result = co_await (copy_body(parser, sink, end) || dispatch(route, req));
    if (end != BodyEnd::complete) {
      keep_alive = false;
      unread_input_ = end == BodyEnd::abandoned;  // the client is still sending: linger so the reply arrives
    }
    co_return std::get<1>(std::move(result));
  }

  enum class BodyEnd { complete, abandoned, client_gone };

  // Copies the body into `sink` and closes it at the end (the handler's EOF), then waits to be cancelled by the
  // handler's completion: it never finishes first, so the reply always comes from the handler. Never throws.
  asio::awaitable<std::monostate> copy_body(bhttp::request_parser<bhttp::buffer_body>& parser,
                                            asio::posix::stream_descriptor& sink, BodyEnd& end) {
    end = BodyEnd::abandoned;
    try {
      end = co_await copy_body_bytes(parser, sink);
    } catch (const std::exception& e) {
      core::log::debug(std::string("request body: ") + e.what());
    }
    deadline_.disarm();
    boost::system::error_code ignored;
    sink.close(ignored);
    asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) co_return std::monostate{};
    asio::steady_timer forever(co_await asio::this_coro::executor, Clock::time_point::max());
    co_await forever.async_wait(as_tuple(use_awaitable));
    co_return std::monostate{};
  }

  asio::awaitable<BodyEnd> copy_body_bytes(bhttp::request_parser<bhttp::buffer_body>& parser,
                                           asio::posix::stream_descriptor& sink) {
    if (body_buf_.size() < kBodyChunk) body_buf_.resize(kBodyChunk);
    while (!parser.is_done()) {
      std::size_t got = 0;
      bool need_input = buffer_.size() == 0;
      // Decode what is buffered into body_buf_ until it is full or the input runs dry.
      while (!parser.is_done() && got < body_buf_.size()) {
        if (need_input) {
          if (got > 0) break;  // hand over what we have before waiting for the client
          deadline_.arm(ctx_.limits.idle_timeout);
          auto [rec, rn] = co_await stream_.async_read_some(buffer_.prepare(kBodyChunk), as_tuple(use_awaitable));
          deadline_.disarm();
          // Cancelled: the handler answered first and the client may still be sending.
          if (rec == asio::error::operation_aborted) co_return BodyEnd::abandoned;
          if (rec) co_return BodyEnd::client_gone;
          buffer_.commit(rn);
        }
        auto& body = parser.get().body();
        body.data = body_buf_.data() + got;
        body.size = body_buf_.size() - got;
        beast::error_code ec;
        buffer_.consume(parser.put(buffer_.data(), ec));
        got = body_buf_.size() - body.size;
        if (ec && ec != bhttp::error::need_buffer && ec != bhttp::error::need_more)
          co_return BodyEnd::client_gone;  // a malformed chunked body: the handler sees a short one
        // need_more: a chunk header is split across reads.
        need_input = ec == bhttp::error::need_more || buffer_.size() == 0;
      }
      if (got > 0 && !co_await write_pipe(sink, got)) co_return BodyEnd::abandoned;
    }
    if (buffer_.capacity() > 2 * kBodyChunk) buffer_.shrink_to_fit();
    co_return BodyEnd::complete;
  }

  // Writes body_buf_[0, n) into the pipe: what it takes at once, then the rest as the handler reads. False when
  // the handler closed its end (it answered without reading everything).
  asio::awaitable<bool> write_pipe(asio::posix::stream_descriptor& sink, std::size_t n) {
    std::size_t done = 0;
    ssize_t w;
    do w = ::write(sink.native_handle(), body_buf_.data(), n);
    while (w < 0 && errno == EINTR);
    if (w < 0 && errno != EAGAIN) co_return false;
    if (w > 0) done = static_cast<std::size_t>(w);
    if (done == n) co_return true;
    auto [ec, wn] =
        co_await asio::async_write(sink, asio::buffer(body_buf_.data() + done, n - done), as_tuple(use_awaitable));
    co_return !ec;
  }

  static std::string errno_text() { return std::strerror(errno); }

  std::string body_too_large() const {
    return "request body exceeds the limit of " + std::to_string(ctx_.limits.body_limit) + " bytes";
  }

  asio::awaitable<http::Reply> dispatch(const http::Route& route, const http::Request& req) {
    if (!route.options.blocking && !route.options.streamed_body) co_return http::invoke(route, req);
    co_return co_await asio::co_spawn(
        ctx_.pool, [&route, &req]() -> asio::awaitable<http::Reply> { co_return http::invoke(route, req); },
        use_awaitable);
  }

  asio::awaitable<void> send_early_error(int status, const std::string& message) {
    unread_input_ = true;
    http::Request req;  // nothing usable was parsed: log it as "- -"
    req.method = "-";
    req.target = "-";
    std::uint64_t bytes = 0;
    auto reply = http::Reply::error(status, status == 413 ? "request body too large" : message, message);
    co_await write_reply(req, reply, false, bytes);
    core::log::info(log_line(req, status, bytes, Clock::now()));
  }

  template <class Body>
  void fill_head(bhttp::response<Body>& res, const http::Reply& reply, bool keep_alive) {
    res.result(static_cast<unsigned>(reply.status));
    res.version(11);
    http::Headers headers = reply.headers;
    http::add_server_headers(headers);
    for (const auto& [k, v] : headers.fields()) res.insert(k, v);
    res.set(bhttp::field::date, http_date());
    res.keep_alive(keep_alive);
  }

  asio::awaitable<bool> write_reply(const http::Request& req, http::Reply& reply, bool keep_alive,
                                    std::uint64_t& bytes) {
    switch (reply.kind) {
      case http::Reply::Kind::buffered:
        co_return co_await write_buffered(reply, keep_alive, bytes);
      case http::Reply::Kind::stream:
        co_return co_await write_stream(reply, keep_alive, bytes);
      case http::Reply::Kind::hijack:
        ctx_.tracker.set_state(id_, ConnectionTracker::State::streaming);
        co_await run_hijack(stream_, buffer_, req, reply, bytes);
        co_return false;
      case http::Reply::Kind::websocket: {
        bhttp::request<bhttp::empty_body> head;
        if (!is_websocket_request(req, head)) {
          // The engine is connected already; dropping the duplex lets it go.
          reply = http::Reply::error(400, "not a websocket handshake", "websocket upgrade required");
          co_return co_await write_buffered(reply, false, bytes);
        }
        ctx_.tracker.set_state(id_, ConnectionTracker::State::streaming);
        co_await run_websocket(stream_, head, reply, bytes);
        co_return false;
      }
    }
    co_return false;
  }

  asio::awaitable<bool> write_buffered(http::Reply& reply, bool keep_alive, std::uint64_t& bytes) {
    out_.clear();
    if (serialize_head(out_, reply, keep_alive)) {
      bytes = reply.body.size();
      // Small bodies join the head: one contiguous buffer is one iovec for the kernel to copy.
      if (reply.body.size() <= kJoinBody) {
        out_ += reply.body;
        co_return co_await write_now({asio::buffer(out_), asio::const_buffer()});
      }
      co_return co_await write_now({asio::buffer(out_), asio::buffer(reply.body)});
    }
    bhttp::response<bhttp::string_body> res;
    fill_head(res, reply, keep_alive);
    bytes = reply.body.size();
    res.body() = std::move(reply.body);
    res.prepare_payload();
    deadline_.arm(ctx_.limits.write_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream_, res, as_tuple(use_awaitable));
    deadline_.disarm();
    co_return !ec;
  }

  // Writes what the socket takes at once with one non-blocking sendmsg, and only the rest (a full socket buffer)
  // through an asynchronous write under the write deadline. A reply that fits, the usual case, then costs no
  // completion round trip through the scheduler. TLS streams always take the asynchronous path.
  asio::awaitable<bool> write_now(std::array<asio::const_buffer, 2> bufs) {
    if constexpr (!std::is_same_v<Stream, TlsStream>) {
      std::array<iovec, 2> iov{};
      for (std::size_t i = 0; i < bufs.size(); ++i) {
        iov[i].iov_base = const_cast<void*>(bufs[i].data());
        iov[i].iov_len = bufs[i].size();
      }
      msghdr msg{};
      msg.msg_iov = iov.data();
      msg.msg_iovlen = bufs[1].size() ? 2 : 1;
      ssize_t n;
      do n = ::sendmsg(stream_.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) co_return false;
        n = 0;
      }
      auto sent = static_cast<std::size_t>(n);
      for (auto& b : bufs) {
        auto k = std::min(sent, b.size());
        b += k;
        sent -= k;
      }
      if (bufs[0].size() + bufs[1].size() == 0) co_return true;
    }
    deadline_.arm(ctx_.limits.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, bufs, as_tuple(use_awaitable));
    deadline_.disarm();
    co_return !ec;
  }

  asio::awaitable<bool> write_stream(http::Reply& reply, bool keep_alive, std::uint64_t& bytes) {
    bhttp::response<bhttp::empty_body> res;
    fill_head(res, reply, keep_alive);
    res.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> sr(res);
    // Headers go out first: docker's wait and run rely on seeing them before any item.
    auto [ec, n] = co_await bhttp::async_write_header(stream_, sr, as_tuple(use_awaitable));
    if (ec) co_return false;
    ctx_.tracker.set_state(id_, ConnectionTracker::State::streaming);
    auto write = [this](const std::string& data) -> asio::awaitable<bool> {
      auto [wec, wn] =
          co_await asio::async_write(stream_, bhttp::make_chunk(asio::buffer(data)), as_tuple(use_awaitable));
      co_return !wec;
    };
    bool completed = co_await pump_source(*reply.source, reply.framing, beast::get_lowest_layer(stream_), write, bytes);
    reply.source.reset();  // drop the producer as soon as the stream ends
    if (!completed) co_return false;
    auto [lec, ln] = co_await asio::async_write(stream_, bhttp::make_chunk_last(), as_tuple(use_awaitable));
    co_return !lec;
  }

  Stream& stream_;
  SessionContext& ctx_;
  Deadline& deadline_;
  std::uint64_t id_;
  static constexpr std::size_t kJoinBody = 16384;
  static constexpr int kMaxSyncReads = 16;
  int sync_reads_ = 0;  // requests read in a row without suspending
  beast::flat_buffer buffer_;
  std::string out_;  // the serialized head of a buffered reply; its capacity is kept across requests
  static constexpr std::size_t kBodyChunk = 256 * 1024;
  static constexpr int kBodyPipeSize = 1 << 20;
  std::vector<char> body_buf_;  // a streamed body on its way into the pipe
  bool unread_input_ = false;
};

template <class Stream>
void close_stream(Stream& stream) {
  boost::system::error_code ignored;
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.shutdown(asio::socket_base::shutdown_send, ignored);
  lowest.close(ignored);
}

// A lingering close: stop sending, then read and discard what the client still sends (bounded in bytes and
// time by the deadline) so that the final reply is not lost to a connection reset.
template <class Stream>
asio::awaitable<void> drain_input(Stream& stream, Deadline& deadline) {
  auto& lowest = beast::get_lowest_layer(stream);
  boost::system::error_code ec;
  lowest.shutdown(asio::socket_base::shutdown_send, ec);
  deadline.arm(std::chrono::seconds(1));
  std::array<char, 16384> sink;
  for (std::size_t total = 0; total < (8u << 20);) {
    auto [rec, n] = co_await lowest.async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
    if (rec) break;
    total += n;
  }
}

template <class Stream>
asio::awaitable<void> serve_stream(std::shared_ptr<Stream> stream, SessionContext& ctx) {
  using namespace boost::asio::experimental::awaitable_operators;
  auto executor = co_await asio::this_coro::executor;
  // The tracker may close us from another thread (shutdown): hop onto our thread and hold only a weak pointer.
  std::weak_ptr<Stream> weak = stream;
  auto id = ctx.tracker.opened([weak, executor] {
    asio::post(executor, [weak] {
      if (auto s = weak.lock()) {
        boost::system::error_code ignored;
        beast::get_lowest_layer(*s).close(ignored);
      }
    });
  });
  Deadline deadline(executor);
  try {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      deadline.arm(ctx.limits.idle_timeout);
      auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
      deadline.disarm();
      if (ec) {
        core::log::debug("TLS handshake failed: " + ec.message());
        throw boost::system::system_error(ec);
      }
    }
    Session<Stream> session(*stream, ctx, deadline, id);
    co_await (session.run() || deadline.watch(beast::get_lowest_layer(*stream)));
    if (session.unread_input())
      co_await (drain_input(*stream, deadline) || deadline.watch(beast::get_lowest_layer(*stream)));
  } catch (const std::exception& e) {
    core::log::debug(std::string("connection ended: ") + e.what());
  }
  deadline.stop();
  close_stream(*stream);
  ctx.tracker.closed(id);
}

}  // namespace

asio::awaitable<void> serve(UnixSocket socket, SessionContext& ctx) {
  co_await serve_stream(std::make_shared<UnixSocket>(std::move(socket)), ctx);
}

asio::awaitable<void> serve(TcpSocket socket, SessionContext& ctx) {
  boost::system::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  co_await serve_stream(std::make_shared<TcpSocket>(std::move(socket)), ctx);
}

asio::awaitable<void> serve(TlsStream stream, SessionContext& ctx) {
  boost::system::error_code ignored;
  stream.next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
  co_await serve_stream(std::make_shared<TlsStream>(std::move(stream)), ctx);
}

}  // namespace berth::net
