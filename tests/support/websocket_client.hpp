// A hand-made websocket client on berthd's unix socket (RFC 6455, what a browser or docker-py's attach_socket(ws=True)
// does): the upgrade request, the 101 head, masked client frames out, server frames in. Every byte is visible.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "tests/support/berthd.hpp"

namespace berth::test {

struct WsFrame {
  int opcode = 0;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
  std::string payload;
};

class WebSocketClient {
 public:
  // GET `path` with the websocket upgrade headers; `head` holds the response head, and the caller checks it.
  WebSocketClient(const Berthd& d, const std::string& path, bool websocket_headers = true, int timeout_s = 20) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, d.socket().c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{.tv_sec = timeout_s, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n";
    if (websocket_headers)
      req +=
          "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://localhost\r\n";
    write_all(req + "\r\n");
    while (buf_.find("\r\n\r\n") == std::string::npos && fill()) {
    }
    auto end = buf_.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
  }
  ~WebSocketClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // One masked frame (a client must mask): text by default.
  void send(const std::string& payload, int opcode = 1) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | opcode));
    std::size_t n = payload.size();
    if (n < 126) {
      f.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
      f.push_back(static_cast<char>(0x80 | 126));
      f.push_back(static_cast<char>(n >> 8));
      f.push_back(static_cast<char>(n & 0xff));
    } else {
      f.push_back(static_cast<char>(0x80 | 127));
      for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((std::uint64_t(n) >> (8 * i)) & 0xff));
    }
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    write_all(f);
  }
  // A close frame with status 1000.
  void send_close() { send(std::string("\x03\xe8", 2), 8); }

  // The next server frame (pings are skipped), or nullopt at EOF/timeout.
  std::optional<WsFrame> frame() {
    for (;;) {
      if (!need(2)) return std::nullopt;
      auto b0 = static_cast<unsigned char>(buf_[0]), b1 = static_cast<unsigned char>(buf_[1]);
      std::size_t len = b1 & 0x7f, at = 2;
      if (len == 126) {
        if (!need(4)) return std::nullopt;
        len = (std::size_t(static_cast<unsigned char>(buf_[2])) << 8) | static_cast<unsigned char>(buf_[3]);
        at = 4;
      } else if (len == 127) {
        if (!need(10)) return std::nullopt;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(buf_[2 + i]);
        at = 10;
      }
      REQUIRE((b1 & 0x80) == 0);  // a server never masks
      if (!need(at + len)) return std::nullopt;
      WsFrame f{.opcode = b0 & 0x0f, .payload = buf_.substr(at, len)};
      buf_.erase(0, at + len);
      if (f.opcode == 9) continue;
      return f;
    }
  }
  // Data frames' payloads joined until `needle` shows up; false at a close, EOF or timeout.
  bool read_until(const std::string& needle, std::string& got) {
    while (got.find(needle) == std::string::npos) {
      auto f = frame();
      if (!f || f->opcode == 8) return false;
      got += f->payload;
    }
    return true;
  }
  // The rest of a response body when the server answered without upgrading.
  std::string rest() {
    while (fill()) {
    }
    return buf_;
  }
  int fd() const { return fd_; }
  std::string head;

 private:
  void write_all(const std::string& bytes) {
    REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
  bool need(std::size_t n) {
    while (buf_.size() < n)
      if (!fill()) return false;
    return true;
  }
  bool fill() {
    char tmp[4096];
    ssize_t n = ::read(fd_, tmp, sizeof tmp);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
};

}  // namespace berth::test
