// The raw test client.
#include "tests/support/raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace berth::test {
namespace {

constexpr int kTimeoutMs = 10000;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::string RawResponse::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

RawConnection::RawConnection(int fd) : fd_(fd) {}
RawConnection::RawConnection(RawConnection&& o) noexcept : fd_(o.fd_), buf_(std::move(o.buf_)) { o.fd_ = -1; }
RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

RawConnection RawConnection::unix_socket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect " + path + ": " + std::strerror(errno));
  }
  return RawConnection(fd);
}

RawConnection RawConnection::tcp(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect " + host + ": " + std::strerror(errno));
  }
  return RawConnection(fd);
}

void RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void RawConnection::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

bool RawConnection::fill() {
  pollfd p{fd_, POLLIN, 0};
  int r = ::poll(&p, 1, kTimeoutMs);
  if (r == 0) throw std::runtime_error("timed out waiting for the server");
  char tmp[65536];
  auto n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) return false;
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

std::optional<RawResponse> RawConnection::read_head() {
  size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return std::nullopt;
  std::string head = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  RawResponse r;
  auto line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  r.status = std::stoi(status_line.substr(9, 3));
  r.reason = status_line.size() > 13 ? status_line.substr(13) : "";
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    auto line = head.substr(pos, e - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      auto value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[lower(line.substr(0, colon))] = value;
    }
    pos = e + 2;
  }
  return r;
}

std::string RawConnection::read_exact(std::size_t n) {
  while (buf_.size() < n)
    if (!fill()) throw std::runtime_error("connection closed before " + std::to_string(n) + " bytes");
  auto out = buf_.substr(0, n);
  buf_.erase(0, n);
  return out;
}

std::string RawConnection::read_to_close() {
  while (fill()) {
  }
  return std::exchange(buf_, {});
}

bool RawConnection::peer_closed() {
  try {
    while (fill()) {
    }
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<RawResponse> RawConnection::read_response(bool head_request) {
  auto r = read_head();
  if (!r) return r;
  if (head_request || r->status == 204 || r->status == 304 || r->status / 100 == 1) return r;
  if (lower(r->header("transfer-encoding")) == "chunked") {
    for (;;) {
      size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos)
        if (!fill()) throw std::runtime_error("closed inside a chunk header");
      size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
      buf_.erase(0, eol + 2);
      auto data = read_exact(size + 2);
      if (size == 0) break;
      r->body += data.substr(0, size);
    }
  } else if (!r->header("content-length").empty()) {
    r->body = read_exact(std::stoul(r->header("content-length")));
  } else {
    r->body = read_to_close();
  }
  return r;
}

RawResponse request(const std::string& socket_path, const std::string& method, const std::string& target,
                    const std::string& body, const std::string& extra_headers) {
  auto c = RawConnection::unix_socket(socket_path);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: d\r\n" + extra_headers;
  if (!body.empty() || method == "POST" || method == "PUT")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  c.send(req);
  auto r = c.read_response(method == "HEAD");
  if (!r) throw std::runtime_error("no response to " + method + " " + target);
  return *r;
}

}  // namespace berth::test
