// Connection bookkeeping.
#include "server/net/connection_tracker.hpp"

#include <vector>

namespace berth::net {

void ConnectionTracker::on_count_change(std::function<void(std::size_t)> callback) {
  std::lock_guard lock(mu_);
  on_count_change_ = std::move(callback);
}

std::uint64_t ConnectionTracker::opened(std::function<void()> close) {
  std::function<void(std::size_t)> notify;
  std::size_t count = 0;
  std::uint64_t id = 0;
  bool close_now = false;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    entries_[id] = Entry{close, State::idle};
    count = entries_.size();
    notify = on_count_change_;
    close_now = draining_;
  }
  if (close_now) close();
  if (notify) notify(count);
  return id;
}

void ConnectionTracker::closed(std::uint64_t id) {
  std::function<void(std::size_t)> notify;
  std::size_t count = 0;
  {
    std::lock_guard lock(mu_);
    entries_.erase(id);
    count = entries_.size();
    notify = on_count_change_;
  }
  if (notify) notify(count);
}

void ConnectionTracker::set_state(std::uint64_t id, State state) {
  std::function<void()> close;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    it->second.state = state;
    if (draining_ && state != State::busy) close = it->second.close;
  }
  if (close) close();
}

void ConnectionTracker::drain() {
  std::vector<std::function<void()>> to_close;
  {
    std::lock_guard lock(mu_);
    draining_ = true;
    for (auto& [id, e] : entries_)
      if (e.state != State::busy) to_close.push_back(e.close);
  }
  for (auto& c : to_close) c();
}

bool ConnectionTracker::draining() const { return draining_.load(); }

std::size_t ConnectionTracker::count() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace berth::net
