// The producer thread, the pipe and the non-blocking reads of PipeSource.
#include "core/streams/pipe_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::streams {

// Shared with the producer thread, which may outlive the source when it is detached.
struct PipeSource::State {
  sys::Fd read_end;
  std::thread thread;
  std::exception_ptr error;  // set by the producer before `finished`
  std::atomic<bool> finished{false};
  std::mutex mu;
  std::condition_variable done_cv;
};

namespace {

constexpr int kPipeSize = 1 << 20;

void run_producer(const std::shared_ptr<PipeSource::State>& state, const PipeSource::Producer& producer, int fd) {
  // A reader that went away must show up as EPIPE, not kill the process, whatever the daemon's disposition.
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
  sys::Fd write_end(fd);
  try {
    producer(write_end.get());
  } catch (...) {
    state->error = std::current_exception();
  }
  {
    std::lock_guard lock(state->mu);
    state->finished.store(true, std::memory_order_release);
  }
  write_end.reset();  // EOF for the reader, after `finished` is visible
  state->done_cv.notify_all();
}

}  // namespace

PipeSource::PipeSource(Producer producer, std::size_t chunk_size)
    : state_(std::make_shared<State>()), chunk_size_(chunk_size) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail(Errc::internal, std::strerror(errno), "create pipe");
  state_->read_end.reset(fds[0]);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  ::fcntl(fds[1], F_SETPIPE_SZ, kPipeSize);  // fewer wake-ups per MiB; the default size works too
  state_->thread = std::thread(run_producer, state_, std::move(producer), fds[1]);
}

PipeSource::~PipeSource() {
  state_->read_end.reset();
  std::unique_lock lock(state_->mu);
  bool done = state_->done_cv.wait_for(lock, std::chrono::milliseconds(200),
                                       [&] { return state_->finished.load(std::memory_order_acquire); });
  lock.unlock();
  if (done)
    state_->thread.join();
  else
    state_->thread.detach();  // it holds its own reference to the state and ends at its next write
}

void PipeSource::start() {
  pollfd p{state_->read_end.get(), POLLIN, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
  int pending = 0;
  if (::ioctl(state_->read_end.get(), FIONREAD, &pending) == 0 && pending > 0) return;
  if (!state_->finished.load(std::memory_order_acquire)) return;
  if (state_->error) std::rethrow_exception(state_->error);
}

int PipeSource::wait_fd() const { return state_->read_end.get(); }

Poll PipeSource::next(Chunk& out) {
  out.stream = 1;
  out.data.resize(chunk_size_);
  ssize_t n;
  do n = ::read(state_->read_end.get(), out.data.data(), out.data.size());
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    out.data.resize(static_cast<std::size_t>(n));
    return Poll::item;
  }
  out.data.clear();
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Poll::pending;
  if (n < 0) fail(Errc::internal, std::strerror(errno), "read stream");
  // EOF: the producer returned or threw. A failure after the first byte cannot become a reply any more: the
  // caller ends the byte stream abruptly so the client sees it truncated.
  if (state_->finished.load(std::memory_order_acquire) && state_->error) std::rethrow_exception(state_->error);
  return Poll::end;
}

}  // namespace berth::core::streams
