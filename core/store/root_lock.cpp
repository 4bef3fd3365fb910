// RootLock: mkdir -p the root, flock its berth.lock, record the holder's pid.
#include "core/store/root_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/error.hpp"

namespace berth::core::store {

namespace {

[[noreturn]] void fail_errno(int err, const std::string& context) { fail(Errc::internal, std::strerror(err), context); }

std::string normalize(const std::string& root) {
  if (root.empty()) fail(Errc::invalid_argument, "root directory is empty");
  std::string dir = std::filesystem::absolute(root).lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

// mkdir -p, with only the root itself private: its parents (/var/lib) are shared system directories.
void make_root(const std::string& dir) {
  for (std::size_t pos = 1;; ++pos) {
    pos = dir.find('/', pos);
    bool last = pos == std::string::npos;
    std::string part = dir.substr(0, pos);
    if (mkdir(part.c_str(), last ? 0700 : 0755) != 0 && errno != EEXIST) fail_errno(errno, "creating root " + part);
    if (last) break;
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) fail_errno(errno, "root " + dir);
  if (!S_ISDIR(st.st_mode)) fail(Errc::internal, "not a directory", "root " + dir);
}

// The pid the holder wrote, or "" when it has not written one yet (it locks first, then writes).
std::string read_holder_pid(int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return {};
  long pid = 0;
  auto [end, ec] = std::from_chars(buf, buf + n, pid);
  if (ec != std::errc() || pid <= 0) return {};
  return std::to_string(pid);
}

void write_pid(int fd, const std::string& lock_path) {
  std::string text = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0) fail_errno(errno, "truncating " + lock_path);
  ssize_t n = pwrite(fd, text.data(), text.size(), 0);
  if (n < 0) fail_errno(errno, "writing pid to " + lock_path);
}

}  // namespace

RootLock::RootLock(const std::string& root) : root_(normalize(root)), lock_path_(root_ + "/berth.lock") {
  make_root(root_);
  // Closing the last fd of the open file description drops the flock: fd_ going out of scope releases it.
  fd_.reset(open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_) fail_errno(errno, "opening " + lock_path_);
  int rc;
  do {
    rc = flock(fd_.get(), LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    std::string pid = err == EWOULDBLOCK ? read_holder_pid(fd_.get()) : std::string();
    fd_.reset();
    if (err != EWOULDBLOCK) fail_errno(err, "locking " + lock_path_);
    std::string holder = pid.empty() ? "held by another process" : "held by pid " + pid;
    fail(Errc::conflict, "another berthd is using root " + root_ + " (lock " + lock_path_ + " " + holder + ")");
  }
  write_pid(fd_.get(), lock_path_);
}

}  // namespace berth::core::store
