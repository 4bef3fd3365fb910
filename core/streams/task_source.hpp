// TaskSource<T>: a Source of items produced by a blocking task (pull, push) on its own thread. Items queue up and
// an eventfd tells the pump; dropping the source (the client left) trips the task's CancelToken.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "core/streams/source.hpp"
#include "core/sys/cancel.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::streams {

template <class T>
class TaskSource final : public Source<T> {
 public:
  using Emit = std::function<void(T)>;
  using Task = std::function<void(const Emit& emit, const sys::CancelToken& cancel)>;
  // Turns what the task threw into its last item (an in-stream error).
  using OnError = std::function<T(const std::exception& error)>;

  // Starts `task` on a thread of its own. The thread is detached: it owns the shared state, so it may finish
  // after the source is gone (a cancelled transfer winding down) without anyone waiting for it.
  TaskSource(Task task, OnError on_error) : state_(std::make_shared<State>()) {
    std::thread([state = state_, task = std::move(task), on_error = std::move(on_error)] {
      Emit emit = [&state](T item) { state->push(std::move(item)); };
      try {
        task(emit, state->cancel);
      } catch (const std::exception& e) {
        if (!state->cancel.cancelled()) state->push(on_error(e));
      }
      state->finish();
    }).detach();
  }
  ~TaskSource() override { state_->cancel.cancel(); }
  TaskSource(const TaskSource&) = delete;
  TaskSource& operator=(const TaskSource&) = delete;

  int wait_fd() const override { return state_->ready.get(); }

  Poll next(T& out) override {
    std::lock_guard lock(state_->mutex);
    if (!state_->items.empty()) {
      out = std::move(state_->items.front());
      state_->items.pop_front();
      return Poll::item;
    }
    if (state_->done) return Poll::end;
    std::uint64_t drained;
    [[maybe_unused]] auto n = ::read(state_->ready.get(), &drained, sizeof drained);  // re-armed by the next push
    return Poll::pending;
  }

 private:
  struct State {
    std::mutex mutex;
    std::deque<T> items;
    bool done = false;
    sys::Fd ready{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    sys::CancelToken cancel;

    State() {
      if (!ready) fail(Errc::internal, "eventfd failed");
    }
    void push(T item) {
      {
        std::lock_guard lock(mutex);
        items.push_back(std::move(item));
      }
      signal();
    }
    void finish() {
      {
        std::lock_guard lock(mutex);
        done = true;
      }
      signal();
    }
    void signal() {
      std::uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(ready.get(), &one, sizeof one);
    }
  };
  std::shared_ptr<State> state_;
};

}  // namespace berth::core::streams
