// RootLock: the flock on $ROOT/berth.lock that keeps a second berthd off the same root.
#pragma once

#include <string>

#include "core/sys/fd.hpp"

namespace berth::core::store {

// Creates root (mode 0700; missing parents 0755), then takes flock(LOCK_EX|LOCK_NB) on root/berth.lock and writes
// this process's pid into it, so a second berthd can name the holder. flock belongs to the open file description,
// so a second RootLock on the same root conflicts even inside one process. Released in the destructor (or by the
// kernel when the process dies, which is why a stale lock file never blocks a restart).
class RootLock {
 public:
  // root is made absolute and normalized. Throws Errc::conflict when another holder has the lock:
  // "another berthd is using root <dir> (lock <dir>/berth.lock held by pid N)".
  explicit RootLock(const std::string& root);

  // The normalized absolute root directory.
  const std::string& root() const noexcept { return root_; }
  // root()/berth.lock.
  const std::string& lock_path() const noexcept { return lock_path_; }

 private:
  std::string root_;
  std::string lock_path_;
  sys::Fd fd_;  // movable, not copyable: so is the lock
};

}  // namespace berth::core::store
