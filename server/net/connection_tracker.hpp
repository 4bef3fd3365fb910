// Open connections and what each is doing, for the idle timeout (--time) and graceful shutdown: draining
// closes idle and streaming connections at once and lets busy ones finish their reply.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace berth::net {

class ConnectionTracker {
 public:
  enum class State { idle, busy, streaming };

  // Called (outside the lock) whenever the number of connections changes.
  void on_count_change(std::function<void(std::size_t)> callback);

  // `close` must be safe to call from any thread at any time until closed(id) returns.
  std::uint64_t opened(std::function<void()> close);
  void closed(std::uint64_t id);
  void set_state(std::uint64_t id, State state);

  // Stop serving: close idle and streaming connections now; busy ones see draining() after their reply.
  void drain();
  bool draining() const;
  std::size_t count() const;

 private:
  struct Entry {
    std::function<void()> close;
    State state = State::idle;
  };
  mutable std::mutex mu_;
  std::map<std::uint64_t, Entry> entries_;
  std::uint64_t next_id_ = 1;
  std::atomic<bool> draining_{false};  // written under mu_; read without it on every request
  std::function<void(std::size_t)> on_count_change_;
};

}  // namespace berth::net
