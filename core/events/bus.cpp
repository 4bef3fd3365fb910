// EventBus: journal, fan-out and subscriptions.
#include "core/events/bus.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "core/events/filter.hpp"
#include "core/events/journal.hpp"
#include "core/events/subscription.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace berth::core::events {
namespace {

constexpr std::size_t kPendingLimit = 256;

}  // namespace

EventBus::EventBus(store::Store& store, BusLimits limits) : store_(store), limits_(limits) {}

EventBus::~EventBus() {
  std::lock_guard lock(mutex_);
  for (auto& weak : subscribers_)
    if (auto sub = weak.lock()) sub->close();
}

std::int64_t EventBus::append(store::Db& db, Event& e) {
  if (e.time_ns == 0) e.time_ns = now_ns();
  std::int64_t seq = journal::append(db, e);
  // Trimming every few inserts keeps the journal near its bound without a DELETE per event.
  std::size_t every = std::clamp<std::size_t>(limits_.journal_rows / 100, 1, 100);
  if (++appended_ % every == 0) journal::trim(db, limits_.journal_rows);
  return seq;
}

void EventBus::publish(Event event) noexcept {
  std::int64_t seq = 0;
  try {
    seq = store_.write([&](store::Db& db) { return append(db, event); });
  } catch (const std::exception& e) {
    // Live subscribers still hear of it; only the journal misses it.
    if (event.time_ns == 0) event.time_ns = now_ns();
    log::warn(std::string("events: cannot journal ") + event.type + " " + event.action + ": " + e.what());
  }
  deliver(event, seq);
}

void EventBus::record(store::Db& db, Event& e) {
  std::int64_t seq = append(db, e);
  std::lock_guard lock(mutex_);
  if (pending_.size() >= kPendingLimit) pending_.pop_front();
  pending_.emplace_back(PendingKey{e.time_ns, e.type, e.action, e.id, e.name}, seq);
}

void EventBus::announce(const Event& e) noexcept {
  std::int64_t seq = 0;
  {
    std::lock_guard lock(mutex_);
    PendingKey key{e.time_ns, e.type, e.action, e.id, e.name};
    auto it = std::find_if(pending_.begin(), pending_.end(), [&](const auto& p) { return p.first == key; });
    if (it != pending_.end()) {
      seq = it->second;
      pending_.erase(it);
    }
  }
  deliver(e, seq);
}

void EventBus::deliver(const Event& e, std::int64_t seq) noexcept {
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [&](const std::weak_ptr<Subscriber>& weak) {
    auto sub = weak.lock();
    if (!sub) return true;
    try {
      sub->offer(e, seq);
    } catch (const std::exception& ex) {
      log::warn(std::string("events: dropping a subscriber: ") + ex.what());
      return true;
    }
    return false;
  });
}

std::unique_ptr<streams::Source<Event>> EventBus::subscribe(const EventQuery& q) {
  auto keep = compile_event_filters(q.filters);
  std::int64_t now = now_ns();
  bool replay = q.since_ns || q.until_ns;
  bool live = q.stream && !(q.until_ns && *q.until_ns <= now);
  auto sub = std::make_shared<Subscriber>(SubscriberOptions{.keep = keep,
                                                            .since_ns = q.since_ns.value_or(0),
                                                            .until_ns = q.until_ns,
                                                            .live = live,
                                                            .queue_limit = limits_.queue});
  // Registered before the journal is read: an event committed after the read is offered live, one committed
  // before it carries a seq the replay covered and is skipped.
  if (live) {
    std::lock_guard lock(mutex_);
    subscribers_.push_back(sub);
  }
  auto past = store_.read([&](store::Db& db) {
    return journal::read(db, q.since_ns.value_or(0), q.until_ns.value_or(std::numeric_limits<std::int64_t>::max()),
                         keep, replay);
  });
  sub->start(std::move(past.events), past.last_seq);
  return std::make_unique<Subscription>(std::move(sub));
}

std::size_t EventBus::subscriber_count() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(subscribers_.begin(), subscribers_.end(), [](const auto& w) { return !w.expired(); }));
}

}  // namespace berth::core::events
