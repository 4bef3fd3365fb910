// ExitWatcher: inotify (IN_CLOSE_WRITE | IN_MOVED_TO) plus an eventfd to stop, polled on one thread.
#include "core/containers/exit_watcher.hpp"

#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/log.hpp"

namespace berth::core::containers {

ExitWatcher::ExitWatcher(std::string dir, std::function<void(const std::string&)> on_exit)
    : dir_(std::move(dir)), on_exit_(std::move(on_exit)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (inotify_fd_ < 0 || stop_fd_ < 0) fail(Errc::internal, std::string("exit watcher: ") + ::strerror(errno));
  if (::inotify_add_watch(inotify_fd_, dir_.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
    fail(Errc::internal, "watch " + dir_ + ": " + ::strerror(errno));
  thread_ = std::thread([this] { run(); });
}

ExitWatcher::~ExitWatcher() {
  std::uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof one) < 0) {
    // The thread also ends when the fds close below; nothing else to do.
  }
  if (thread_.joinable()) thread_.join();
  ::close(inotify_fd_);
  ::close(stop_fd_);
}

void ExitWatcher::run() {
  alignas(inotify_event) char buf[16384];
  for (;;) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n <= 0) continue;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->len == 0) continue;
      std::string name(ev->name);
      try {
        on_exit_(name);
      } catch (const std::exception& e) {
        log::error("exit of " + name + ": " + e.what());
      }
    }
  }
}

}  // namespace berth::core::containers
