// create_netns: unshare(CLONE_NEWNET) on a short-lived thread (so the daemon's own threads keep the host's netns),
// SIOCSIFFLAGS on lo, and a bind mount of that thread's ns file.
#include "core/drivers/netns.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::drivers {

namespace {

// Runs on its own thread: the namespace change dies with it.
std::string enter_and_pin(const std::string& path) {
  if (::unshare(CLONE_NEWNET) != 0) return std::string("unshare: ") + ::strerror(errno);
  sys::Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return std::string("socket: ") + ::strerror(errno);
  ifreq req{};
  ::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) return std::string("lo flags: ") + ::strerror(errno);
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) return std::string("lo up: ") + ::strerror(errno);
  std::string self = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
  if (::mount(self.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0)
    return "bind " + path + ": " + ::strerror(errno);
  return {};
}

}  // namespace

std::string create_netns(const std::string& dir, const std::string& name) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string path = dir + "/" + name;
  remove_netns(path);
  sys::Fd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!file) fail(Errc::internal, "create " + path + ": " + ::strerror(errno));
  file.reset();
  std::string error;
  std::thread([&] { error = enter_and_pin(path); }).join();
  if (!error.empty()) {
    ::unlink(path.c_str());
    fail(Errc::internal, "network namespace: " + error);
  }
  return path;
}

void remove_netns(const std::string& path) noexcept {
  ::umount2(path.c_str(), MNT_DETACH);
  ::unlink(path.c_str());
}

}  // namespace berth::core::drivers
