// One subscriber of the event bus: its replayed past, a bounded queue of live events, and the fds its
// Source waits on. The bus holds it weakly, the Source strongly, so either may go first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "core/events/filter.hpp"
#include "core/model/event.hpp"
#include "core/streams/source.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::events {

struct SubscriberOptions {
  EventPredicate keep;
  std::int64_t since_ns = 0;
  std::optional<std::int64_t> until_ns;
  bool live = true;                // false: the replay is all there is
  std::size_t queue_limit = 1024;  // live events held for a slow reader; beyond it the oldest are dropped
};

class Subscriber {
 public:
  explicit Subscriber(SubscriberOptions opts);
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Called by the bus for every published event, with its journal seq (0: not journaled). Never blocks on the
  // reader: a full queue loses its oldest event.
  void offer(const Event& e, std::int64_t seq);
  // The bus is going away: end the stream once what is queued has been read.
  void close();
  // The journal replay and the seq it reached; live events at or below that seq were in the replay (or predate
  // the subscription) and are skipped.
  void start(std::vector<Event> replay, std::int64_t replayed_seq);

  int wait_fd() const { return poll_.get(); }
  streams::Poll next(Event& out);
  std::size_t dropped() const;

 private:
  bool past_until() const;
  void signal();

  const SubscriberOptions opts_;
  mutable std::mutex mutex_;
  std::deque<Event> replay_;
  std::deque<std::pair<std::int64_t, Event>> live_;
  std::int64_t replayed_seq_ = 0;
  bool closed_ = false;
  bool ended_ = false;
  std::size_t dropped_ = 0;
  sys::Fd ready_;  // eventfd: something was queued or closed
  sys::Fd timer_;  // timerfd at until_ns (when set), so a quiet stream still ends on time
  sys::Fd poll_;   // epoll over both: the single fd a Source offers
};

// The Source handed to the server: a strong reference to the subscriber.
class Subscription final : public streams::Source<Event> {
 public:
  explicit Subscription(std::shared_ptr<Subscriber> sub) : sub_(std::move(sub)) {}
  int wait_fd() const override { return sub_->wait_fd(); }
  streams::Poll next(Event& out) override { return sub_->next(out); }

 private:
  std::shared_ptr<Subscriber> sub_;
};

}  // namespace berth::core::events
