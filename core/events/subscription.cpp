// Subscriber: queueing, the replay → live hand-over, and ending at `until`.
#include "core/events/subscription.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/error.hpp"
#include "core/time.hpp"

namespace berth::core::events {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

void watch(int epoll, int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: readable for as long as the eventfd or the timer is
  ev.data.fd = fd;
  if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0) fail(Errc::internal, "epoll_ctl failed");
}

}  // namespace

Subscriber::Subscriber(SubscriberOptions opts)
    : opts_(std::move(opts)), ready_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), poll_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!ready_ || !poll_) fail(Errc::internal, "cannot create the event subscription's fds");
  watch(poll_.get(), ready_.get());
  if (opts_.live && opts_.until_ns) {
    timer_ = sys::Fd(::timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!timer_) fail(Errc::internal, "timerfd_create failed");
    itimerspec at{};
    at.it_value.tv_sec = *opts_.until_ns / kSecond;
    at.it_value.tv_nsec = *opts_.until_ns % kSecond;
    if (at.it_value.tv_sec <= 0 && at.it_value.tv_nsec <= 0) at.it_value.tv_nsec = 1;  // 0 would disarm it
    if (::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &at, nullptr) != 0) fail(Errc::internal, "timerfd_settime");
    watch(poll_.get(), timer_.get());
  }
}

void Subscriber::offer(const Event& e, std::int64_t seq) {
  if (!opts_.live || e.time_ns < opts_.since_ns || !opts_.keep(e)) return;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    if (live_.size() >= opts_.queue_limit) {
      live_.pop_front();
      ++dropped_;
    }
    live_.emplace_back(seq, e);
  }
  signal();
}

void Subscriber::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  signal();
}

void Subscriber::start(std::vector<Event> replay, std::int64_t replayed_seq) {
  {
    std::lock_guard lock(mutex_);
    replay_.assign(std::make_move_iterator(replay.begin()), std::make_move_iterator(replay.end()));
    replayed_seq_ = replayed_seq;
  }
  signal();
}

bool Subscriber::past_until() const { return opts_.until_ns && now_ns() >= *opts_.until_ns; }

streams::Poll Subscriber::next(Event& out) {
  std::lock_guard lock(mutex_);
  if (!replay_.empty()) {
    out = std::move(replay_.front());
    replay_.pop_front();
    return streams::Poll::item;
  }
  if (!opts_.live || ended_) return streams::Poll::end;
  while (!live_.empty()) {
    auto [seq, e] = std::move(live_.front());
    live_.pop_front();
    if (seq > 0 && seq <= replayed_seq_) continue;  // already replayed, or older than the subscription
    if (opts_.until_ns && e.time_ns > *opts_.until_ns) {
      ended_ = true;
      return streams::Poll::end;
    }
    out = std::move(e);
    return streams::Poll::item;
  }
  if (closed_ || past_until()) {
    ended_ = true;
    return streams::Poll::end;
  }
  // Drained under the lock: offer() queues under it and signals after, so no wake-up is lost.
  std::uint64_t drained;
  [[maybe_unused]] auto n = ::read(ready_.get(), &drained, sizeof drained);
  return streams::Poll::pending;
}

std::size_t Subscriber::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void Subscriber::signal() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(ready_.get(), &one, sizeof one);
}

}  // namespace berth::core::events
