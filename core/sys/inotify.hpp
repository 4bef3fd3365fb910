// Inotify: an owned, non-blocking inotify instance whose fd a Source can hand out as (part of) its wait_fd.
#pragma once

#include <cstdint>
#include <string>

#include "core/sys/fd.hpp"

namespace berth::core::sys {

class Inotify {
 public:
  // Throws (core::fail) when the kernel refuses an instance (fs.inotify.max_user_instances).
  Inotify();

  int fd() const { return fd_.get(); }
  // Watches `path` for `mask`; returns the watch descriptor, or -1 when the path does not exist (ENOENT/ENOTDIR),
  // which callers treat as "not yet". Other failures (e.g. the watch limit) throw.
  int add(const std::string& path, std::uint32_t mask);
  // Drops a watch; a watch the kernel already dropped (file deleted) is fine.
  void remove(int wd);
  // Reads and discards every queued event, so the fd stops being readable until something new happens. Callers
  // re-check their files afterwards, which is why the events themselves do not matter.
  void drain();

 private:
  Fd fd_;
};

}  // namespace berth::core::sys
