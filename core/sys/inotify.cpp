// Inotify: thin RAII over inotify_init1/add_watch with errors mapped to core::Error.
#include "core/sys/inotify.hpp"

#include <sys/inotify.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace berth::core::sys {

Inotify::Inotify() : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  if (!fd_) fail(Errc::internal, std::strerror(errno), "inotify_init1");
}

int Inotify::add(const std::string& path, std::uint32_t mask) {
  int wd = ::inotify_add_watch(fd_.get(), path.c_str(), mask);
  if (wd >= 0) return wd;
  if (errno == ENOENT || errno == ENOTDIR) return -1;
  fail(Errc::internal, std::strerror(errno), "inotify_add_watch " + path);
}

void Inotify::remove(int wd) {
  if (wd >= 0) ::inotify_rm_watch(fd_.get(), wd);
}

void Inotify::drain() {
  // Aligned as struct inotify_event requires; big enough that a burst takes few reads.
  alignas(struct inotify_event) char buf[8192];
  while (::read(fd_.get(), buf, sizeof buf) > 0) {
  }
}

}  // namespace berth::core::sys
