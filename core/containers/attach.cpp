// The attach Duplex: conmon's SEQPACKET attach socket read packet by packet into chunks, client bytes written
// back as stdin after the detach-key scan, and an optional log replay in front.
#include "core/containers/attach.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/log.hpp"

namespace berth::core::containers {
namespace {

// conmon sends at most 8 KiB of payload per packet; a bigger buffer costs nothing and never truncates one.
constexpr std::size_t kPacket = 64 * 1024;
// conmon (>= 2.0.2) reads its attach socket into a 32 KiB buffer (CONN_SOCK_BUF_SIZE); a larger SEQPACKET message
// would be cut, a smaller one costs conmon more wakeups per byte.
constexpr std::size_t kStdinPiece = 32 * 1024;

[[noreturn]] void fail_errno(Errc code, std::string_view what) { fail(code, std::strerror(errno), what); }

int ctrl_code(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a' + 1;
  switch (c) {
    case '@':
      return 0;
    case '[':
      return 27;
    case '\\':
      return 28;
    case ']':
      return 29;
    case '^':
      return 30;
    case '_':
      return 31;
    default:
      return -1;
  }
}

class AttachDuplex final : public streams::Duplex {
 public:
  AttachDuplex(sys::Fd socket, bool tty, const AttachOptions& opts, std::vector<unsigned char> keys,
               std::unique_ptr<streams::Source<LogLine>> replay, std::unique_ptr<AttachEnd> end)
      : sock_(std::move(socket)),
        tty_(tty),
        opts_(opts),
        scanner_(std::move(keys)),
        replay_(std::move(replay)),
        end_(std::move(end)),
        buf_(kPacket) {
    // One fd to wait on for both the replay and the socket: the pump reads wait_fd() once.
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) fail_errno(Errc::internal, "epoll_create1");
    if (sock_) watch(sock_.get());
    if (replay_) watch(replay_->wait_fd());
    if (!sock_ && end_) watch(end_->fd());
  }

  int wait_fd() const override { return epoll_.get(); }

  streams::Poll next(streams::Chunk& out) override {
    if (detached_) return streams::Poll::end;
    if (replay_) {
      LogLine line;
      auto p = replay_->next(line);
      if (p == streams::Poll::item) {
        out.stream = line.stream;
        out.data = std::move(line.data);
        return p;
      }
      if (p == streams::Poll::pending) return p;
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, replay_->wait_fd(), nullptr);
      replay_.reset();
    }
    if (!sock_) return end_ && !end_->over() ? streams::Poll::pending : streams::Poll::end;
    for (;;) {
      ssize_t n = ::recv(sock_.get(), buf_.data(), buf_.size(), MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return streams::Poll::pending;
      if (n <= 0) return streams::Poll::end;  // conmon closed it: the container exited
      if (n == 1) continue;
      // conmon's ids: 2 stdout, 3 stderr (a tty sends everything as 2).
      int stream = buf_[0] == 3 ? 2 : 1;
      if ((stream == 1 && !opts_.stdout) || (stream == 2 && !opts_.stderr)) continue;
      out.stream = stream;
      out.data.assign(buf_.data() + 1, static_cast<std::size_t>(n - 1));
      return streams::Poll::item;
    }
  }

  bool write_input(std::string_view bytes) override {
    if (detached_) return false;
    // Docker scans for the detach keys only with a TTY: other input is data, binary included.
    if (!tty_) {
      queue_stdin(bytes);
      return true;
    }
    std::string pass;
    bool detach = scanner_.scan(bytes, pass);
    queue_stdin(pass);
    if (detach) detached_ = true;
    return !detach;
  }

  void close_input() override {
    if (!opts_.stdin || !sock_ || input_closed_ || close_pending_) return;
    std::string held;
    if (tty_) scanner_.flush(held);
    queue_stdin(held);
    close_pending_ = true;
    flush_input();
  }

  bool input_pending() const override { return !pending_.empty(); }
  int input_fd() const override { return sock_ ? sock_.get() : -1; }

  void flush_input() override {
    while (sent_ < pending_.size() && !input_closed_) {
      std::size_t piece = std::min(pending_.size() - sent_, kStdinPiece);
      ssize_t n = ::send(sock_.get(), pending_.data() + sent_, piece, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) {
        sent_ += static_cast<std::size_t>(n);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // the caller waits for input_fd() to be writable
      log::debug(std::string("attach: stdin dropped: ") + std::strerror(errno));
      input_closed_ = true;
    }
    if (sent_ == pending_.size() || input_closed_) {
      pending_.clear();
      sent_ = 0;
    }
    if (pending_.empty() && close_pending_ && !input_closed_) {
      // conmon closes the container's stdin when the attach client shuts down its writing side.
      ::shutdown(sock_.get(), SHUT_WR);
      input_closed_ = true;
    }
  }

  bool tty() const override { return tty_; }

 private:
  void watch(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) fail_errno(Errc::internal, "epoll_ctl");
  }

  void queue_stdin(std::string_view bytes) {
    if (!opts_.stdin || !sock_ || input_closed_ || bytes.empty()) return;
    pending_.append(bytes);
    flush_input();
  }

  sys::Fd sock_;
  sys::Fd epoll_;
  bool tty_;
  AttachOptions opts_;
  DetachScanner scanner_;
  std::unique_ptr<streams::Source<LogLine>> replay_;
  std::unique_ptr<AttachEnd> end_;
  std::vector<char> buf_;
  std::string pending_;   // stdin the container has not taken yet, from sent_ on
  std::size_t sent_ = 0;  // sent from the front of pending_ (erasing per piece would move the rest each time)
  bool detached_ = false;
  bool close_pending_ = false;
  bool input_closed_ = false;
};

}  // namespace

std::vector<unsigned char> parse_detach_keys(std::string_view spec) {
  std::vector<unsigned char> keys;
  if (spec.empty()) return keys;
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t comma = spec.find(',', start);
    std::string_view key = spec.substr(start, comma == std::string_view::npos ? spec.npos : comma - start);
    if (key.size() == 1) {
      keys.push_back(static_cast<unsigned char>(key[0]));
    } else {
      std::string lower(key);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      int code = lower.size() == 6 && lower.starts_with("ctrl-") ? ctrl_code(lower[5]) : -1;
      if (code < 0)
        fail(Errc::invalid_argument, "Unknown character: '" + std::string(key) + "'", "invalid detach keys");
      keys.push_back(static_cast<unsigned char>(code));
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return keys;
}

bool DetachScanner::scan(std::string_view in, std::string& out) {
  for (char ch : in) {
    auto b = static_cast<unsigned char>(ch);
    if (keys_.empty()) {
      out.push_back(ch);
      continue;
    }
    if (b != keys_[matched_]) {
      // Not the sequence after all: what was held back is data; this byte may start a new match.
      out.append(keys_.begin(), keys_.begin() + static_cast<std::ptrdiff_t>(matched_));
      matched_ = 0;
      if (b != keys_[0]) {
        out.push_back(ch);
        continue;
      }
    }
    if (++matched_ == keys_.size()) return true;
  }
  return false;
}

void DetachScanner::flush(std::string& out) {
  out.append(keys_.begin(), keys_.begin() + static_cast<std::ptrdiff_t>(matched_));
  matched_ = 0;
}

sys::Fd connect_attach_socket(const std::string& bundle) {
  sys::Fd dir(::open(bundle.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) fail_errno(Errc::internal, "opening bundle " + bundle);
  std::string path = "/proc/self/fd/" + std::to_string(dir.get()) + "/attach";
  sys::Fd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!sock) fail_errno(Errc::internal, "socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int rc;
  do {
    rc = ::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) fail_errno(Errc::internal, "connecting to the attach socket of " + bundle);
  // Connected blocking (no EINPROGRESS dance); every later read and write is non-blocking.
  ::fcntl(sock.get(), F_SETFL, ::fcntl(sock.get(), F_GETFL) | O_NONBLOCK);
  return sock;
}

std::unique_ptr<streams::Duplex> make_attach_duplex(sys::Fd socket, bool tty, const AttachOptions& opts,
                                                    std::vector<unsigned char> detach_keys,
                                                    std::unique_ptr<streams::Source<LogLine>> replay,
                                                    std::unique_ptr<AttachEnd> end) {
  return std::make_unique<AttachDuplex>(std::move(socket), tty, opts, std::move(detach_keys), std::move(replay),
                                        std::move(end));
}

}  // namespace berth::core::containers
