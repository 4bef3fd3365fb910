// CancelToken on an eventfd.
#include "core/sys/cancel.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include "core/error.hpp"

namespace berth::core::sys {

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!fd_) fail(Errc::internal, "eventfd failed");
}

void CancelToken::cancel() noexcept {
  if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(fd_.get(), &one, sizeof one);
}

}  // namespace berth::core::sys
