// ExecDuplex: starts the process on begin(), then reads output from the attach socket and the pid and exit code
// from the sync pipe; one epoll fd for both.
#include "core/exec/exec_duplex.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/drivers/conmon_pipes.hpp"
#include "core/drivers/runc_errors.hpp"
#include "core/error.hpp"

namespace berth::core::exec {
namespace {

class ExecDuplex final : public streams::Duplex {
 public:
  ExecDuplex(std::unique_ptr<streams::Duplex> attach, sys::Fd start, sys::Fd sync, ExecHooks hooks)
      : attach_(std::move(attach)), start_(std::move(start)), sync_(std::move(sync)), hooks_(std::move(hooks)) {
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) fail(Errc::internal, std::strerror(errno), "epoll_create1");
    watch(attach_->wait_fd());
    watch(sync_.get());
  }

  void begin() override {
    if (!start_) return;
    if (!drivers::conmon_pipes::send_start_byte(start_.get())) {
      // conmon is gone: the sync pipe shows EOF and the stream ends.
    }
    start_.reset();
  }

  int wait_fd() const override { return epoll_.get(); }

  streams::Poll next(streams::Chunk& out) override {
    if (done_) return streams::Poll::end;
    // Take every sync message at once: a readable pipe left unread would wake the pump forever.
    while (read_sync()) {
    }
    if (!failure_.empty()) {
      out.stream = attach_->tty() ? 1 : 2;
      out.data = std::move(failure_);
      failure_.clear();
      return streams::Poll::item;
    }
    if (!attach_done_) {
      auto p = attach_->next(out);
      if (p != streams::Poll::end) return p;
      attach_done_ = true;
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, attach_->wait_fd(), nullptr);
      if (detached_) return finish();
    }
    if (sync_) return streams::Poll::pending;
    if (!failed_ && hooks_.exited) hooks_.exited(code_);
    return finish();
  }

  bool write_input(std::string_view bytes) override {
    if (!attach_->write_input(bytes)) {
      detached_ = true;
      return false;
    }
    return true;
  }
  void close_input() override { attach_->close_input(); }
  bool input_pending() const override { return attach_->input_pending(); }
  int input_fd() const override { return attach_->input_fd(); }
  void flush_input() override { attach_->flush_input(); }
  bool tty() const override { return attach_->tty(); }

 private:
  void watch(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) fail(Errc::internal, std::strerror(errno), "epoll_ctl");
  }

  // One message from the sync pipe; false when none is waiting (or the pipe is done).
  bool read_sync() {
    if (!sync_) return false;
    char buf[8192];
    ssize_t n;
    do {
      n = ::recv(sync_.get(), buf, sizeof buf, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    auto msg =
        n > 0 ? drivers::conmon_pipes::parse_message(std::string(buf, static_cast<std::size_t>(n))) : std::nullopt;
    if (msg && !have_pid_) {
      have_pid_ = true;
      if (msg->data > 0) {
        if (hooks_.started) hooks_.started(msg->data);
        return true;
      }
      failed_ = true;
      std::string why = drivers::runc_message(msg->message);
      failure_ = hooks_.failed ? hooks_.failed(why.empty() ? "runc exec failed" : why) : why;
    } else if (msg) {
      code_ = msg->data;
    }
    // The exit code, a failure or EOF: the pipe has nothing more to say.
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, sync_.get(), nullptr);
    sync_.reset();
    return false;
  }

  streams::Poll finish() {
    done_ = true;
    return streams::Poll::end;
  }

  std::unique_ptr<streams::Duplex> attach_;
  sys::Fd start_;
  sys::Fd sync_;
  sys::Fd epoll_;
  ExecHooks hooks_;
  std::optional<int> code_;
  std::string failure_;
  bool have_pid_ = false;
  bool failed_ = false;
  bool attach_done_ = false;
  bool detached_ = false;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<streams::Duplex> make_exec_duplex(std::unique_ptr<streams::Duplex> attach, sys::Fd start, sys::Fd sync,
                                                  ExecHooks hooks) {
  return std::make_unique<ExecDuplex>(std::move(attach), std::move(start), std::move(sync), std::move(hooks));
}

}  // namespace berth::core::exec
