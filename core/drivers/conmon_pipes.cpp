// conmon's pipes: socketpairs, one-packet reads with a deadline, the JSON message they carry, pid files.
#include "core/drivers/conmon_pipes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace berth::core::drivers::conmon_pipes {

SocketPair seqpacket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    fail(Errc::internal, std::strerror(errno), "conmon: socketpair");
  }
  return {sys::Fd(fds[0]), sys::Fd(fds[1])};
}

std::optional<std::string> read_packet(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int ready = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    break;
  }
  char buf[8192];
  ssize_t n;
  do {
    n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return std::string();
  return std::string(buf, static_cast<size_t>(n));
}

std::optional<PipeMessage> parse_message(const std::string& packet) {
  auto doc = nlohmann::json::parse(packet, nullptr, false);
  if (!doc.is_object() || !doc.contains("data") || !doc["data"].is_number_integer()) return std::nullopt;
  PipeMessage m;
  m.data = doc["data"].get<int>();
  if (auto it = doc.find("message"); it != doc.end() && it->is_string()) m.message = it->get<std::string>();
  return m;
}

bool send_start_byte(int fd) {
  char go = 0;
  ssize_t wrote;
  do {
    wrote = ::send(fd, &go, 1, MSG_NOSIGNAL);
  } while (wrote < 0 && errno == EINTR);
  return wrote == 1;
}

int read_pid_file(const std::string& path) {
  std::ifstream in(path);
  int pid = 0;
  if (in >> pid && pid > 0) return pid;
  return 0;
}

void write_resize(const std::string& dir, int height, int width) {
  std::string ctl = dir + "/ctl";
  sys::Fd fd(::open(ctl.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) fail(Errc::conflict, std::strerror(errno), "resizing the terminal");
  std::string msg = "1 " + std::to_string(height) + " " + std::to_string(width) + "\n";
  if (::write(fd.get(), msg.data(), msg.size()) != static_cast<ssize_t>(msg.size()))
    fail(Errc::internal, std::strerror(errno), "resizing the terminal");
}

}  // namespace berth::core::drivers::conmon_pipes
