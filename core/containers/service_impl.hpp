// ContainerService's private state and the helpers its files share (not for use outside core/containers).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/containers/exit_watcher.hpp"
#include "core/containers/layout.hpp"
#include "core/containers/service.hpp"
#include "core/containers/spec_json.hpp"
#include "core/containers/store.hpp"
#include "core/drivers/monitor.hpp"
#include "core/drivers/mounter.hpp"
#include "core/drivers/oci_runtime.hpp"
#include "core/error.hpp"
#include "core/images/service.hpp"

namespace berth::core::containers {

// After SIGKILL, how long an exit may take to be seen.
constexpr auto kKillGrace = std::chrono::seconds(10);

// Exits seen per container (also after removal, for "removed" and "next-exit" waiters).
struct ExitRecord {
  std::uint64_t count = 0;
  int code = 0;
};

// What a wait source holds on to: an eventfd the service pokes on every state change.
class WaitSignal {
 public:
  WaitSignal();
  ~WaitSignal();
  void poke() noexcept;
  void drain() noexcept;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

struct ContainerService::Impl {
  Impl(const Config& config, store::Store& store, events::EventSink& events, images::ImageService& images,
       Drivers drivers);

  std::shared_ptr<const Container> resolve(std::string_view ref) const;
  std::shared_ptr<std::mutex> lock_of(const std::string& id);

  // Writes the new state, publishes it, wakes waiters and stop()s waiting for a change.
  void publish_state(const std::string& id, const ContainerState& state);
  // The same with the event that reports it, journaled in the same transaction and announced after it.
  void publish_state(const std::string& id, const ContainerState& state, Event event);
  // Waits (without any container lock) until pred(current container or null) holds or the timeout passes.
  bool wait_until(const std::string& id, const std::function<bool(const Container*)>& pred,
                  std::chrono::milliseconds timeout);
  // After a SIGKILL: waits until the container is no longer running (or gone), else fails as unavailable.
  void await_killed(const std::string& id);
  Event make_event(const Container& c, const char* action, std::map<std::string, std::string> extra = {}) const;
  // An event of no state change of its own (stop, kill, restart), journaled in a transaction of its own.
  void emit(const Container& c, const char* action, std::map<std::string, std::string> extra = {}) const;

  // Lifecycle steps; the caller holds the container's lock.
  // conmon + runc create: the container is `initialized`; returns it so. Failures leave it created, with
  // State.Error, and nothing behind.
  Container init_locked(const Container& c);
  void start_locked(const Container& c);  // init first unless initialized
  [[noreturn]] void fail_start(const Container& c, const Error& e);
  // For a container with a runtime: true when runc still has it as its state says (pid refreshed); false when it
  // exited unseen, with an exit file left for on_exit.
  bool settle_runtime(const Container& c);
  void cleanup_runtime(const Container& c) noexcept;  // runc delete -f, unmount, cgroup, exit file
  void remove_locked(const Container& c);
  // The container's exec session IDs, oldest first (rows of exec_sessions; core/exec owns them otherwise).
  std::vector<std::string> exec_sessions_of(const std::string& id) const;
  // The exit watcher's entry (also used by reconcile): the container's process has exited.
  void on_exit(const std::string& id);
  void reconcile();
  void record_exit(const std::string& id, int code);
  ExitRecord exit_record(const std::string& id) const;

  void add_waiter(const std::shared_ptr<WaitSignal>& w);
  void poke_waiters();

  const Config& config;
  store::Store& store;
  events::EventSink& events;
  images::ImageService& images;
  Drivers drivers;
  Layout layout;
  ContainerStore containers;
  std::string seccomp_json;  // containers-common's profile, read once

  mutable std::mutex locks_mutex;
  std::map<std::string, std::shared_ptr<std::mutex>> locks;

  std::mutex state_mutex;
  std::condition_variable state_cv;

  mutable std::mutex exits_mutex;
  std::map<std::string, ExitRecord> exits;

  std::mutex waiters_mutex;
  std::vector<std::weak_ptr<WaitSignal>> waiters;

  std::unique_ptr<ExitWatcher> watcher;
};

// The ID's lock for the scope of a lifecycle step.
struct ContainerLock {
  ContainerLock(ContainerService::Impl& impl, const std::string& id) : mutex(impl.lock_of(id)), guard(*mutex) {}
  std::shared_ptr<std::mutex> mutex;
  std::lock_guard<std::mutex> guard;
};

}  // namespace berth::core::containers
