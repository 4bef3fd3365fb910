// berth_bench's client side of HTTP/1.1: connecting, sending, and reading one response at a time; and its options.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "bench.hpp"

namespace berth::bench {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxHead = 1024 * 1024;  // a response head larger than this is not an answer to a GET

std::runtime_error sys_error(const std::string& what) { return std::runtime_error(what + ": " + std::strerror(errno)); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::size_t parse_size(std::string_view s, int base) {
  std::string text(s);
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), &end, base);
  if (text.empty() || errno != 0 || end == text.c_str()) throw std::runtime_error("bad length '" + text + "'");
  return static_cast<std::size_t>(v);
}

void set_timeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int connect_to(const Target& t) {
  int fd = ::socket(t.tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sys_error("socket");
  int rc = 0;
  if (t.tcp) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(t.port));
    if (::inet_pton(AF_INET, t.host.c_str(), &addr.sin_addr) != 1) {
      ::close(fd);
      throw std::runtime_error("not an IPv4 address: " + t.host);
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } else {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (t.unix_path.size() >= sizeof addr.sun_path) {
      ::close(fd);
      throw std::runtime_error("socket path too long: " + t.unix_path);
    }
    std::memcpy(addr.sun_path, t.unix_path.data(), t.unix_path.size());
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  if (rc != 0) {
    auto err = sys_error("connect " + t.describe());
    ::close(fd);
    throw err;
  }
  return fd;
}

}  // namespace

std::string Target::describe() const { return tcp ? host + ":" + std::to_string(port) : "unix:" + unix_path; }

Connection::Connection(const Target& target, std::chrono::milliseconds timeout) : fd_(connect_to(target)) {
  set_timeouts(fd_, timeout);
  buf_.resize(kReadChunk);
}

Connection::~Connection() { ::close(fd_); }

void Connection::send_all(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw sys_error(errno == EAGAIN ? "send timed out" : "send");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool Connection::fill() {
  if (pos_ == end_) {
    pos_ = end_ = 0;
  } else if (end_ == buf_.size() && pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);  // a head larger than the buffer; bounded by kMaxHead
  for (;;) {
    auto n = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error(errno == EAGAIN ? "timed out waiting for the server" : "recv");
    end_ += static_cast<std::size_t>(n);
    return n > 0;
  }
}

void Connection::consume(std::size_t n) {
  pos_ += n;
  if (pos_ == end_) pos_ = end_ = 0;
}

std::size_t Connection::need_line() {
  for (;;) {
    auto at = buffered().find("\r\n");
    if (at != std::string_view::npos) return at;
    if (buffered().size() > kMaxHead) throw std::runtime_error("response line too long");
    if (!fill()) throw std::runtime_error("server closed the connection mid-response");
  }
}

void Connection::skip_body_bytes(std::size_t n) {
  while (n > 0) {
    if (buffered().empty() && !fill()) throw std::runtime_error("server closed the connection mid-body");
    std::size_t take = std::min(n, buffered().size());
    if (sink_) sink_->append(buffered().substr(0, take));
    consume(take);
    n -= take;
  }
}

std::size_t Connection::skip_chunked() {
  std::size_t total = 0;
  for (;;) {
    std::size_t eol = need_line();
    auto line = buffered().substr(0, eol);
    line = line.substr(0, line.find(';'));  // chunk extensions
    std::size_t size = parse_size(trim(line), 16);
    consume(eol + 2);
    if (size == 0) break;
    skip_body_bytes(size);
    eol = need_line();
    if (eol != 0) throw std::runtime_error("chunk not followed by CRLF");
    consume(2);
    total += size;
  }
  for (;;) {  // trailers, up to the empty line
    std::size_t eol = need_line();
    consume(eol + 2);
    if (eol == 0) return total;
  }
}

std::size_t Connection::skip_to_eof() {
  std::size_t total = buffered().size();
  if (sink_) sink_->append(buffered());
  consume(total);
  while (fill()) {
    total += buffered().size();
    if (sink_) sink_->append(buffered());
    consume(buffered().size());
  }
  return total;
}

ResponseInfo Connection::read_response() {
  for (;;) {
    std::size_t head_end;
    while ((head_end = buffered().find("\r\n\r\n")) == std::string_view::npos) {
      if (buffered().size() > kMaxHead) throw std::runtime_error("response head too large");
      if (!fill()) throw std::runtime_error("server closed the connection");
    }
    auto head = buffered().substr(0, head_end + 2);
    ResponseInfo info;
    auto eol = head.find("\r\n");
    auto status_line = head.substr(0, eol);
    if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/")
      throw std::runtime_error("bad status line: " + std::string(status_line.substr(0, 80)));
    info.status = static_cast<int>(parse_size(status_line.substr(9, 3), 10));
    bool http10 = status_line.substr(5, 3) == "1.0";
    info.keep_alive = !http10;
    bool chunked = false;
    std::size_t length = 0;
    bool has_length = false;
    for (auto rest = head.substr(eol + 2); !rest.empty();) {
      auto line_end = rest.find("\r\n");
      auto line = rest.substr(0, line_end);
      rest.remove_prefix(line_end + 2);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      auto name = line.substr(0, colon);
      auto value = trim(line.substr(colon + 1));
      if (iequals(name, "content-length")) {
        length = parse_size(value, 10);
        has_length = true;
      } else if (iequals(name, "transfer-encoding")) {
        chunked = icontains(value, "chunked");
      } else if (iequals(name, "connection")) {
        if (icontains(value, "close")) info.keep_alive = false;
        if (icontains(value, "keep-alive")) info.keep_alive = true;
      }
    }
    consume(head_end + 4);
    if (info.status >= 100 && info.status < 200) continue;  // 100 Continue and friends: the real answer follows
    if (info.status == 204 || info.status == 304) return info;
    if (chunked) {
      info.body_bytes = skip_chunked();
    } else if (has_length) {
      skip_body_bytes(length);
      info.body_bytes = length;
    } else {
      info.body_bytes = skip_to_eof();
      info.keep_alive = false;
    }
    return info;
  }
}

std::string make_get(std::string_view path) {
  std::string r = "GET ";
  r += path;
  r += " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: berth-bench\r\nAccept: */*\r\n\r\n";
  return r;
}

std::string format_statuses(const StatusCounts& counts) {
  std::string out;
  for (auto& [status, n] : counts) {
    if (!out.empty()) out += ',';
    out += (status == 0 ? std::string("io") : std::to_string(status)) + "x" + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

Options::Options(int argc, char** argv, int first, std::initializer_list<std::string_view> allowed) {
  for (int i = first; i < argc; i += 2) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 2) != "--") throw std::invalid_argument("expected --option, got " + std::string(arg));
    std::string key(arg.substr(2));
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw std::invalid_argument("unknown option --" + key);
    if (i + 1 >= argc) throw std::invalid_argument("--" + key + " needs a value");
    values_[key] = argv[i + 1];
  }
}

std::string Options::str(const std::string& key, const std::string& fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

long Options::num(const std::string& key, long fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  long v = std::strtol(it->second.c_str(), &end, 10);
  if (end == it->second.c_str() || *end != '\0' || v < 0)
    throw std::invalid_argument("--" + key + " needs a non-negative integer");
  return v;
}

double Options::real(const std::string& key, double fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0' || v < 0)
    throw std::invalid_argument("--" + key + " needs a non-negative number");
  return v;
}

Target Options::target() const {
  Target t;
  if (has("tcp")) {
    auto hp = str("tcp", "");
    auto colon = hp.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--tcp needs HOST:PORT");
    t.tcp = true;
    t.host = hp.substr(0, colon);
    t.port = std::atoi(hp.c_str() + colon + 1);
    if (t.port <= 0 || t.port > 65535) throw std::invalid_argument("--tcp: bad port");
  } else if (has("socket")) {
    t.unix_path = str("socket", "");
  } else {
    throw std::invalid_argument("needs --socket PATH (or --tcp HOST:PORT)");
  }
  return t;
}

}  // namespace berth::bench
