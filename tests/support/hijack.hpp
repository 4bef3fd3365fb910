// A hand-made hijacked HTTP connection on berthd's unix socket (what the docker CLI and docker-py do for attach and
// exec start): the request with an optional JSON body and the upgrade headers, the response head, then the raw
// stream, read as docker mux frames or raw bytes. Every byte is visible to the test.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "tests/support/berthd.hpp"

namespace berth::test {

class HijackedStream {
 public:
  // POST `path` with `body` (JSON when not empty); `upgrade` adds Connection: Upgrade / Upgrade: tcp.
  HijackedStream(const Berthd& d, const std::string& path, const std::string& body, bool upgrade = true,
                 int timeout_s = 20) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, d.socket().c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{.tv_sec = timeout_s, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req =
        "POST " + path + " HTTP/1.1\r\nHost: d\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    if (!body.empty()) req += "Content-Type: application/json\r\n";
    if (upgrade) req += "Connection: Upgrade\r\nUpgrade: tcp\r\n";
    send(req + "\r\n" + body);
    while (buf_.find("\r\n\r\n") == std::string::npos && fill()) {
    }
    auto end = buf_.find("\r\n\r\n");
    INFO("response so far: " << buf_);
    REQUIRE(end != std::string::npos);
    head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
  }
  ~HijackedStream() { ::close(fd_); }
  HijackedStream(const HijackedStream&) = delete;
  HijackedStream& operator=(const HijackedStream&) = delete;

  // The status code of the response head (0 when unparsable).
  int status() const {
    auto sp = head.find(' ');
    return sp == std::string::npos ? 0 : std::atoi(head.c_str() + sp + 1);
  }
  void send(const std::string& bytes) { REQUIRE(::write(fd_, bytes.data(), bytes.size()) == ssize_t(bytes.size())); }
  void half_close() { ::shutdown(fd_, SHUT_WR); }

  // The next docker mux frame (stream type, payload), or nullopt at EOF or timeout.
  std::optional<std::pair<int, std::string>> frame() {
    while (buf_.size() < 8 && fill()) {
    }
    if (buf_.size() < 8) return std::nullopt;
    std::size_t len = (std::size_t(std::uint8_t(buf_[4])) << 24) | (std::size_t(std::uint8_t(buf_[5])) << 16) |
                      (std::size_t(std::uint8_t(buf_[6])) << 8) | std::size_t(std::uint8_t(buf_[7]));
    while (buf_.size() < 8 + len && fill()) {
    }
    if (buf_.size() < 8 + len) return std::nullopt;
    std::pair<int, std::string> out{buf_[0], buf_.substr(8, len)};
    buf_.erase(0, 8 + len);
    return out;
  }

  // Every frame until the end of the stream: stdout and stderr apart. ended is false when it timed out instead.
  struct Demuxed {
    std::string out, err;
    bool ended = false;
  };
  Demuxed demux_to_end() {
    Demuxed d;
    while (auto f = frame()) (f->first == 2 ? d.err : d.out) += f->second;
    d.ended = eof_;
    return d;
  }

  // Raw bytes (a TTY stream) until EOF; ended as above.
  std::pair<std::string, bool> raw_to_end() {
    while (fill()) {
    }
    std::string all = std::move(buf_);
    buf_.clear();
    return {all, eof_};
  }

  // Reads raw bytes until `needle` arrived; false at EOF or timeout.
  bool read_until(const std::string& needle) {
    while (buf_.find(needle) == std::string::npos)
      if (!fill()) return false;
    return true;
  }

  std::string head;

 private:
  bool fill() {
    char tmp[65536];
    ssize_t n = ::read(fd_, tmp, sizeof tmp);
    if (n == 0) eof_ = true;
    if (n <= 0) return false;
    buf_.append(tmp, std::size_t(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

}  // namespace berth::test
