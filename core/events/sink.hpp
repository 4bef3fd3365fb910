// EventSink: where services hand events after the change they report has committed.
#pragma once

#include "core/model/event.hpp"

namespace berth::core::events {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Must not block for long and must not throw: it is called on the request's thread after the commit.
  virtual void publish(Event event) noexcept = 0;
};

// Drops everything: until the events issue gives berthd a bus and journal.
class NullSink final : public EventSink {
 public:
  void publish(Event) noexcept override {}
};

}  // namespace berth::core::events
