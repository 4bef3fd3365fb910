// berth_bench's `bare-server`: the floor to compare against, a minimal keep-alive HTTP/1.1 server answering "OK".
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench.hpp"

namespace berth::bench {
namespace {

constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";
constexpr std::size_t kMaxBuffered = 1024 * 1024;  // a client that sends more without a full request is dropped
constexpr int kMaxConnections = 4096;

std::runtime_error sys_error(const std::string& what) { return std::runtime_error(what + ": " + std::strerror(errno)); }

// Content-Length of a request head, 0 when absent; -1 when the body is not length-delimited (we cannot frame it).
long request_body_length(std::string_view head) {
  long length = 0;
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos && at + 2 < head.size();) {
    auto next = head.find("\r\n", at + 2);
    auto line = head.substr(at + 2, next - at - 2);
    at = next;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name == "transfer-encoding") return -1;
    if (name == "content-length") length = std::atol(std::string(line.substr(colon + 1)).c_str());
  }
  return length;
}

// Answers every complete request in `in` (pipelining included), appending to `out` and dropping it from `in`.
// Returns false when the connection should be closed (unframeable or oversized input).
bool answer(std::string& in, std::string& out) {
  std::size_t pos = 0;
  for (;;) {
    auto end = in.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    long body = request_body_length(std::string_view(in).substr(pos, end + 2 - pos));
    if (body < 0) return false;
    std::size_t next = end + 4 + static_cast<std::size_t>(body);
    if (next > in.size()) break;
    out += kResponse;
    pos = next;
  }
  in.erase(0, pos);
  return in.size() <= kMaxBuffered;
}

int listen_on(const Target& t) {
  int fd = ::socket(t.tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sys_error("socket");
  int rc;
  if (t.tcp) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(t.port));
    ::inet_pton(AF_INET, t.host.c_str(), &addr.sin_addr);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } else {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (t.unix_path.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long");
    std::memcpy(addr.sun_path, t.unix_path.data(), t.unix_path.size());
    struct stat st {};
    if (::stat(t.unix_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(t.unix_path.c_str());  // stale
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  if (rc != 0 || ::listen(fd, 1024) != 0) throw sys_error("listen on " + t.describe());
  return fd;
}

// Blocking read -> answer -> write, one thread per connection.
void serve_connection(int fd) {
  std::string in, out;
  char chunk[16384];
  for (;;) {
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(chunk, static_cast<std::size_t>(n));
    bool keep = answer(in, out);
    std::string_view rest = out;
    while (!rest.empty()) {
      auto w = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      rest.remove_prefix(static_cast<std::size_t>(w));
    }
    if (!rest.empty() || !keep) break;
    out.clear();
  }
  ::close(fd);
}

void run_threads(int listen_fd) {
  auto live = std::make_shared<std::atomic<int>>(0);
  for (;;) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) continue;
      throw sys_error("accept");
    }
    if (live->load() >= kMaxConnections) {
      ::close(fd);
      continue;
    }
    ++*live;
    std::thread([fd, live] {
      serve_connection(fd);
      --*live;
    }).detach();
  }
}

// One epoll loop per thread, all sharing the listening socket (EPOLLEXCLUSIVE wakes one of them per connection).
void epoll_loop(int listen_fd) {
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) throw sys_error("epoll_create1");
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  ev.data.fd = listen_fd;
  if (::epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev) != 0) throw sys_error("epoll_ctl listen");
  struct Conn {
    std::string in, out;
  };
  std::unordered_map<int, Conn> conns;
  auto close_conn = [&](int fd) {
    ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns.erase(fd);
  };
  auto flush = [&](int fd, Conn& c) {  // false: closed
    while (!c.out.empty()) {
      auto w = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EAGAIN) break;
      if (w <= 0) return false;
      c.out.erase(0, static_cast<std::size_t>(w));
    }
    epoll_event mod{};
    mod.events = c.out.empty() ? EPOLLIN : EPOLLOUT;  // stop reading while a reply is stuck: backpressure
    mod.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &mod);
    return true;
  };
  std::vector<epoll_event> events(256);
  char chunk[16384];
  for (;;) {
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("epoll_wait");
    for (int i = 0; i < n; ++i) {
      int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == listen_fd) {
        int c;
        while ((c = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
          if (conns.size() >= kMaxConnections) {
            ::close(c);
            continue;
          }
          epoll_event add{};
          add.events = EPOLLIN;
          add.data.fd = c;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &add);
          conns[c];
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      Conn& c = it->second;
      if (!c.out.empty()) {
        if (!flush(fd, c)) close_conn(fd);
        continue;
      }
      auto r = ::recv(fd, chunk, sizeof chunk, 0);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) {
        close_conn(fd);
        continue;
      }
      c.in.append(chunk, static_cast<std::size_t>(r));
      bool keep = answer(c.in, c.out);
      if (!flush(fd, c) || !keep) close_conn(fd);
    }
  }
}

}  // namespace

int run_bare_server(const Options& opts) {
  auto target = opts.target();
  auto mode = opts.str("mode", "threads");
  long threads = opts.num("threads", 1);
  long max_seconds = opts.num("max-seconds", 0);
  if (mode != "epoll" && mode != "threads") throw std::invalid_argument("--mode is epoll or threads");
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);                                // never outlive the script that started us
  if (max_seconds > 0) ::alarm(static_cast<unsigned>(max_seconds));  // SIGALRM ends the process
  int listen_fd = listen_on(target);
  std::printf("bare-server listening on %s (mode %s, threads %ld)\n", target.describe().c_str(), mode.c_str(),
              mode == "epoll" ? threads : 0L);
  std::fflush(stdout);
  if (mode == "threads") {
    run_threads(listen_fd);
    return 0;
  }
  ::fcntl(listen_fd, F_SETFL, ::fcntl(listen_fd, F_GETFL) | O_NONBLOCK);  // accept until EAGAIN
  std::vector<std::thread> loops;
  for (long i = 1; i < threads; ++i) loops.emplace_back([listen_fd] { epoll_loop(listen_fd); });
  epoll_loop(listen_fd);
  return 0;
}

}  // namespace berth::bench
