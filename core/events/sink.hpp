// EventSink: where services hand events after the change they report has committed.
#pragma once

#include "core/model/event.hpp"
#include "core/store/db.hpp"

namespace berth::core::events {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Must not block for long and must not throw: it is called on the request's thread after the commit.
  virtual void publish(Event event) noexcept = 0;
  // For a service that changes state in its own write transaction: journal e there (sets time_ns when 0), so
  // the event and the change commit or roll back together (DESIGN §7); announce(e) after the commit. A sink
  // without a journal journals nothing here and publishes at announce.
  virtual void record(store::Db& db, Event& e) {
    (void)db;
    (void)e;
  }
  virtual void announce(const Event& e) noexcept { publish(e); }
};

// Drops everything: until the events issue gives berthd a bus and journal.
class NullSink final : public EventSink {
 public:
  void publish(Event) noexcept override {}
};

}  // namespace berth::core::events
