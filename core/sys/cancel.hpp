// CancelToken: a one-way flag a client disconnect trips, with an eventfd for code that waits in poll().
#pragma once

#include <atomic>

#include "core/sys/fd.hpp"

namespace berth::core::sys {

class CancelToken {
 public:
  CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void cancel() noexcept;
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  // Readable once cancelled.
  int fd() const noexcept { return fd_.get(); }

 private:
  std::atomic<bool> cancelled_{false};
  Fd fd_;
};

}  // namespace berth::core::sys
