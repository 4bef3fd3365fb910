// ContainerService: construction, resolution, locks, state publication, waiters, and the read-only calls.
#include "core/containers/service.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/containers/names.hpp"
#include "core/containers/service_impl.hpp"
#include "core/containers/spec_json.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace berth::core::containers {

namespace {

constexpr std::size_t kKeptExitRecords = 4096;
constexpr const char* kSeccompProfile = "/usr/share/containers/seccomp.json";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool is_hex(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

WaitSignal::WaitSignal() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) fail(Errc::internal, "eventfd failed");
}
WaitSignal::~WaitSignal() { ::close(fd_); }
void WaitSignal::poke() noexcept {
  std::uint64_t one = 1;
  if (::write(fd_, &one, sizeof one) < 0) {
    // Saturated counter: the reader wakes anyway.
  }
}
void WaitSignal::drain() noexcept {
  std::uint64_t v;
  while (::read(fd_, &v, sizeof v) > 0) {
  }
}

ContainerService::Impl::Impl(const Config& cfg, store::Store& st, events::EventSink& ev, images::ImageService& img,
                             Drivers drv)
    : config(cfg),
      store(st),
      events(ev),
      images(img),
      drivers(drv),
      layout(cfg.root, cfg.runroot),
      containers(st),
      seccomp_json(read_text(kSeccompProfile)) {
  std::error_code ec;
  for (const auto& dir : {layout.containers_dir(), layout.bundles_dir(), layout.exits_dir()})
    std::filesystem::create_directories(dir, ec);
}

std::shared_ptr<const Container> ContainerService::Impl::resolve(std::string_view ref_in) const {
  std::string_view ref = ref_in;
  if (ref.starts_with('/')) ref.remove_prefix(1);
  auto index = containers.index();
  if (auto it = index->by_id.find(ref); it != index->by_id.end()) return it->second;
  if (auto it = index->by_name.find(ref); it != index->by_name.end()) return index->by_id.at(it->second);
  if (is_hex(ref)) {
    auto it = index->by_id.lower_bound(ref);
    if (it != index->by_id.end() && it->first.starts_with(ref)) {
      auto next = std::next(it);
      if (next != index->by_id.end() && next->first.starts_with(ref))
        fail(Errc::invalid_argument, "multiple IDs found with provided prefix", std::string(ref_in));
      return it->second;
    }
  }
  fail(Errc::not_found, "no such container", "no container with name or ID \"" + std::string(ref_in) + "\" found");
}

std::shared_ptr<std::mutex> ContainerService::Impl::lock_of(const std::string& id) {
  std::lock_guard lock(locks_mutex);
  auto& m = locks[id];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

void ContainerService::Impl::publish_state(const std::string& id, const ContainerState& state, Event event) {
  containers.mutate([&](ContainerDraft& d) {
    d.set_state(id, state);
    events.record(d.db(), event);
  });
  events.announce(event);
  { std::lock_guard lock(state_mutex); }
  state_cv.notify_all();
  poke_waiters();
}

void ContainerService::Impl::publish_state(const std::string& id, const ContainerState& state) {
  containers.mutate([&](ContainerDraft& d) { d.set_state(id, state); });
  { std::lock_guard lock(state_mutex); }
  state_cv.notify_all();
  poke_waiters();
}

bool ContainerService::Impl::wait_until(const std::string& id, const std::function<bool(const Container*)>& pred,
                                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(state_mutex);
  for (;;) {
    auto index = containers.index();
    auto it = index->by_id.find(id);
    if (pred(it == index->by_id.end() ? nullptr : it->second.get())) return true;
    // Bounded slices: a change published between the check and the wait is seen at the next slice at worst.
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    state_cv.wait_for(lock,
                      std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(50)));
  }
}

void ContainerService::Impl::await_killed(const std::string& id) {
  auto stopped = [](const Container* x) { return !x || !is_running(x->state.status); };
  if (!wait_until(id, stopped, kKillGrace)) fail(Errc::unavailable, "container " + id + " did not exit after SIGKILL");
}

Event ContainerService::Impl::make_event(const Container& c, const char* action,
                                         std::map<std::string, std::string> extra) const {
  Event e{.type = "container", .action = action, .id = c.id, .name = c.name};
  e.attributes = std::move(extra);
  e.attributes["name"] = c.name;
  e.attributes["image"] = c.spec.image;
  for (const auto& [k, v] : c.spec.labels) e.attributes.emplace(k, v);
  return e;
}

void ContainerService::Impl::emit(const Container& c, const char* action,
                                  std::map<std::string, std::string> extra) const {
  events.publish(make_event(c, action, std::move(extra)));
}

void ContainerService::Impl::record_exit(const std::string& id, int code) {
  std::lock_guard lock(exits_mutex);
  auto& r = exits[id];
  ++r.count;
  r.code = code;
  if (exits.size() > kKeptExitRecords) exits.erase(exits.begin());
}

ExitRecord ContainerService::Impl::exit_record(const std::string& id) const {
  std::lock_guard lock(exits_mutex);
  auto it = exits.find(id);
  return it == exits.end() ? ExitRecord{} : it->second;
}

void ContainerService::Impl::add_waiter(const std::shared_ptr<WaitSignal>& w) {
  std::lock_guard lock(waiters_mutex);
  std::erase_if(waiters, [](const auto& p) { return p.expired(); });
  waiters.push_back(w);
}

void ContainerService::Impl::poke_waiters() {
  std::lock_guard lock(waiters_mutex);
  for (const auto& p : waiters)
    if (auto w = p.lock()) w->poke();
}

ContainerService::ContainerService(const Config& config, store::Store& store, events::EventSink& events,
                                   images::ImageService& images, Drivers drivers)
    : impl_(std::make_unique<Impl>(config, store, events, images, drivers)) {
  images.set_usage_provider([this](const std::string& image_id) {
    std::size_t n = 0;
    auto index = impl_->containers.index();  // held: a range-for would not keep the temporary alive
    for (const auto& [id, c] : index->by_id) n += c->spec.image_id == image_id;
    return n;
  });
}

ContainerService::~ContainerService() {
  impl_->watcher.reset();
  impl_->images.set_usage_provider({});
}

void ContainerService::start_watching() {
  impl_->watcher = std::make_unique<ExitWatcher>(impl_->layout.exits_dir(),
                                                 [this](const std::string& name) { impl_->on_exit(name); });
  impl_->reconcile();
}

std::shared_ptr<const Container> ContainerService::find(std::string_view ref) const { return impl_->resolve(ref); }

bool ContainerService::exists(std::string_view ref) const {
  try {
    impl_->resolve(ref);
    return true;
  } catch (const Error& e) {
    if (e.code() == Errc::not_found) return false;
    throw;
  }
}

std::size_t ContainerService::count() const { return impl_->containers.index()->by_id.size(); }

void ContainerService::rename(std::string_view ref, std::string_view new_name) {
  auto c = impl_->resolve(ref);
  std::string name = checked_name(new_name);
  ContainerLock lock(*impl_, c->id);
  Container renamed = *c;
  renamed.name = name;
  Event e = impl_->make_event(renamed, "rename", {{"oldName", c->name}});
  impl_->containers.mutate([&](ContainerDraft& d) {
    d.rename(c->id, name);
    impl_->events.record(d.db(), e);
  });
  impl_->events.announce(e);
}

}  // namespace berth::core::containers
