// EventBus: the engine's one event sink. It journals every event in the `events` table and wakes the
// subscribers of GET /events and GET /libpod/events, each of which reads through a Source<Event>.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <vector>

#include "core/events/sink.hpp"
#include "core/model/filters.hpp"
#include "core/store/store.hpp"
#include "core/streams/source.hpp"

namespace berth::core::events {

class Subscriber;

struct EventQuery {
  std::optional<std::int64_t> since_ns;  // replay journaled events from here (either bound given → replay)
  std::optional<std::int64_t> until_ns;  // end the stream once this has passed
  bool stream = true;                    // false: past events only (podman's stream=false)
  Filters filters;                       // see compile_event_filters
};

struct BusLimits {
  std::size_t journal_rows = 10000;  // the journal keeps about the newest this many events
  std::size_t queue = 1024;          // live events a slow subscriber may fall behind by before losing the oldest
};

class EventBus final : public EventSink {
 public:
  explicit EventBus(store::Store& store, BusLimits limits = {});
  // Ends every open subscription (their Sources stay valid and report end).
  ~EventBus() override;
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Journals the event in a short transaction of its own, then wakes subscribers. Sets time_ns when 0. Must be
  // called without the store's mutex held (use record/announce inside a write).
  void publish(Event event) noexcept override;

  // For a service that journals inside its own Store::write: appends e (setting time_ns when 0) on that db.
  // Call announce(e) after the commit; a rolled-back event is never announced.
  void record(store::Db& db, Event& e) override;
  // Wakes subscribers with an event that record() journaled and that has since committed.
  void announce(const Event& e) noexcept override;

  // Replays the journal when since or until is given, then (stream, and until not past) follows live events
  // until `until`. Throws invalid_argument for a bad filter, before anything is read.
  std::unique_ptr<streams::Source<Event>> subscribe(const EventQuery& query);

  std::size_t subscriber_count() const;

 private:
  std::int64_t append(store::Db& db, Event& e);
  void deliver(const Event& e, std::int64_t seq) noexcept;
  using PendingKey = std::tuple<std::int64_t, std::string, std::string, std::string, std::string>;

  store::Store& store_;
  const BusLimits limits_;
  std::atomic<std::uint64_t> appended_{0};
  mutable std::mutex mutex_;  // guards subscribers_ and pending_, never held while journaling
  std::vector<std::weak_ptr<Subscriber>> subscribers_;
  // Seqs of recorded, not yet announced events, so announce() can hand the cursor on. Bounded: a rolled-back
  // record() is never announced.
  std::deque<std::pair<PendingKey, std::int64_t>> pending_;
};

}  // namespace berth::core::events
