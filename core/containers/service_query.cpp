// The read side: list, inspect, top, wait and logs.
#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/containers/container_filter.hpp"
#include "core/containers/oci_spec.hpp"
#include "core/containers/service.hpp"
#include "core/containers/service_impl.hpp"
#include "core/error.hpp"
#include "core/sys/process.hpp"

namespace berth::core::containers {

namespace {

std::int64_t upper_size(const std::string& dir) {
  std::int64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2) && !it->is_symlink(e2)) total += static_cast<std::int64_t>(it->file_size(e2));
  }
  return total;
}

std::string join_command(const ProcessCommand& cmd) {
  std::string out = cmd.path;
  for (const auto& a : cmd.args) out += " " + a;
  return out;
}

// One WaitResult once `ready()` gives one; woken by the service on every state change.
class WaitSource final : public streams::Source<WaitResult> {
 public:
  WaitSource(std::shared_ptr<WaitSignal> signal, std::function<std::optional<WaitResult>()> ready)
      : signal_(std::move(signal)), ready_(std::move(ready)) {}
  int wait_fd() const override { return signal_->fd(); }
  streams::Poll next(WaitResult& out) override {
    if (done_) return streams::Poll::end;
    signal_->drain();
    if (auto r = ready_()) {
      out = *r;
      done_ = true;
      return streams::Poll::item;
    }
    return streams::Poll::pending;
  }

 private:
  std::shared_ptr<WaitSignal> signal_;
  std::function<std::optional<WaitResult>()> ready_;
  bool done_ = false;
};

}  // namespace

std::vector<ListedContainer> ContainerService::list(const ListOptions& opts) {
  if (opts.sync) sync();
  auto index = impl_->containers.index();
  ContainerFilter match(
      opts.filters, list_filter_keys(), *index, [this](std::string_view ref) { return impl_->resolve(ref); },
      [this](const std::string& ref) {
        try {
          return impl_->images.inspect(ref, images::ShortNamePolicy::podman)->id;
        } catch (const Error&) {
          return std::string();
        }
      });
  std::vector<std::shared_ptr<const Container>> all;
  for (const auto& [id, c] : index->by_id) all.push_back(c);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a->created_ns > b->created_ns; });
  bool everything = opts.all || opts.last > 0;
  std::vector<ListedContainer> out;
  for (const auto& c : all) {
    if (opts.last > 0 && static_cast<int>(out.size()) >= opts.last) break;
    if (!everything && !is_running(c->state.status)) continue;
    if (!match(*c)) continue;
    ListedContainer l{.container = c};
    std::shared_ptr<const Image> image;
    try {
      if (!c->spec.image_id.empty()) image = impl_->images.inspect(c->spec.image_id, images::ShortNamePolicy::podman);
    } catch (const Error&) {
    }
    l.command = join_command(resolve_command(c->spec, image ? &image->config : nullptr));
    if (opts.size) {
      l.size_rw = upper_size(impl_->layout.paths(c->id).upper);
      l.size_root_fs = l.size_rw + (image ? static_cast<std::int64_t>(image->size) : 0);
    }
    out.push_back(std::move(l));
  }
  return out;
}

ContainerDetails ContainerService::inspect(std::string_view ref, bool size) const {
  ContainerDetails d;
  d.container = impl_->resolve(ref);
  const Container& c = *d.container;
  d.paths = impl_->layout.paths(c.id);
  std::shared_ptr<const Image> image;
  try {
    if (!c.spec.image_id.empty()) image = impl_->images.inspect(c.spec.image_id, images::ShortNamePolicy::podman);
  } catch (const Error&) {
  }
  const ImageRunConfig* ic = image ? &image->config : nullptr;
  ProcessCommand cmd = resolve_command(c.spec, ic);
  d.path = cmd.path;
  d.args = cmd.args;
  d.hostname = c.spec.hostname.empty() ? c.id.substr(0, 12) : c.spec.hostname;
  d.env = merge_env(c.spec, ic, impl_->config, d.hostname);
  d.working_dir =
      !c.spec.working_dir.empty() ? c.spec.working_dir : (ic && !ic->working_dir.empty() ? ic->working_dir : "/");
  d.user = !c.spec.user.empty() ? c.spec.user : (ic ? ic->user : "");
  d.stop_signal =
      !c.spec.stop_signal.empty() ? c.spec.stop_signal : (ic && !ic->stop_signal.empty() ? ic->stop_signal : "SIGTERM");
  d.stop_timeout = c.spec.stop_timeout.value_or(10);
  if (image) {
    d.lower_dirs = impl_->images.layer_dirs(*image);
    d.labels = ic->labels;
    if (ic->cmd) d.image_cmd = *ic->cmd;
    if (ic->entrypoint) d.image_entrypoint = *ic->entrypoint;
  }
  for (const auto& [k, v] : c.spec.labels) d.labels[k] = v;
  d.exec_ids = impl_->exec_sessions_of(c.id);
  if (size) {
    d.size_rw = upper_size(d.paths.upper);
    d.size_root_fs = d.size_rw + (image ? static_cast<std::int64_t>(image->size) : 0);
  }
  return d;
}

TopResult ContainerService::top(std::string_view ref, const std::string& ps_args) const {
  auto c = impl_->resolve(ref);
  if (!is_running(c->state.status)) fail(Errc::conflict, "container " + c->id + " is not running");
  std::vector<int> pids = impl_->drivers.runtime.pids(c->id);
  // docker's way: the host's ps with the caller's options, rows kept when their PID is the container's.
  std::vector<std::string> argv = {"ps"};
  std::istringstream words(ps_args.empty() ? "-ef" : ps_args);
  for (std::string w; words >> w;) argv.push_back(w);
  auto r = sys::run(argv, {.timeout = std::chrono::seconds(10)});
  if (r.exit_code != 0) fail(Errc::invalid_argument, "ps " + ps_args + ": " + r.err);
  std::istringstream lines(r.out);
  std::string header;
  std::getline(lines, header);
  TopResult out;
  std::istringstream hw(header);
  for (std::string w; hw >> w;) out.titles.push_back(w);
  auto pid_col = std::find(out.titles.begin(), out.titles.end(), "PID");
  if (pid_col == out.titles.end())
    fail(Errc::invalid_argument, "ps output has no PID column: use ps options that show it");
  std::size_t pid_index = static_cast<std::size_t>(pid_col - out.titles.begin());
  for (std::string line; std::getline(lines, line);) {
    std::istringstream lw(line);
    std::vector<std::string> fields;
    for (std::string w; fields.size() + 1 < out.titles.size() && lw >> w;) fields.push_back(w);
    std::string rest;
    std::getline(lw >> std::ws, rest);
    if (!rest.empty()) fields.push_back(rest);
    if (fields.size() <= pid_index) continue;
    int pid = 0;
    try {
      pid = std::stoi(fields[pid_index]);
    } catch (const std::logic_error&) {
      continue;
    }
    if (std::find(pids.begin(), pids.end(), pid) != pids.end()) out.processes.push_back(std::move(fields));
  }
  return out;
}

std::unique_ptr<streams::Source<WaitResult>> ContainerService::wait(std::string_view ref,
                                                                    const std::vector<std::string>& conditions_in) {
  auto c = impl_->resolve(ref);
  std::string id = c->id;
  std::vector<std::string> conditions = conditions_in.empty() ? std::vector<std::string>{"not-running"} : conditions_in;
  static const std::set<std::string> known = {"not-running", "stopped", "exited", "next-exit", "removed",
                                              "running",     "created", "paused", "configured"};
  for (const auto& k : conditions)
    if (!known.contains(k)) fail(Errc::invalid_argument, "invalid condition \"" + k + "\"");
  ExitRecord at_start = impl_->exit_record(id);
  auto signal = std::make_shared<WaitSignal>();
  Impl* impl = impl_.get();
  auto ready = [impl, id, conditions, at_start]() -> std::optional<WaitResult> {
    auto index = impl->containers.index();
    auto it = index->by_id.find(id);
    const Container* cur = it == index->by_id.end() ? nullptr : it->second.get();
    ExitRecord exits = impl->exit_record(id);
    int code = cur && cur->state.exit_code ? *cur->state.exit_code : exits.code;
    for (const auto& k : conditions) {
      bool holds = false;
      if (k == "removed") {
        holds = cur == nullptr;
      } else if (k == "next-exit") {
        holds = exits.count > at_start.count;
        if (holds) code = exits.code;
      } else if (!cur) {
        // Gone: whatever was awaited can no longer happen; report its last exit.
        holds = true;
      } else if (k == "not-running") {
        holds = !is_running(cur->state.status) && cur->state.status != ContainerStatus::removing;
      } else if (k == "stopped" || k == "exited") {
        holds = cur->state.status == ContainerStatus::exited || cur->state.status == ContainerStatus::stopped;
      } else if (k == "running") {
        holds = cur->state.status == ContainerStatus::running;
      } else if (k == "paused") {
        holds = cur->state.status == ContainerStatus::paused;
      } else if (k == "created" || k == "configured") {
        holds = cur->state.status == ContainerStatus::created || cur->state.status == ContainerStatus::configured;
      }
      if (holds) return WaitResult{.exit_code = code};
    }
    return std::nullopt;
  };
  impl_->add_waiter(signal);
  signal->poke();  // the first next() checks at once
  return std::make_unique<WaitSource>(signal, ready);
}

ContainerLogs ContainerService::logs(std::string_view ref, const LogOptions& opts) {
  auto c = impl_->resolve(ref);
  if (c->spec.log_driver == "none") fail(Errc::invalid_argument, "configured logging driver does not support reading");
  std::string id = c->id;
  Impl* impl = impl_.get();
  auto exited = [impl, id] {
    auto index = impl->containers.index();
    auto it = index->by_id.find(id);
    return it == index->by_id.end() || !is_running(it->second->state.status);
  };
  return ContainerLogs{.tty = c->spec.tty, .lines = open_log(impl_->layout.paths(id).log, opts, exited)};
}

}  // namespace berth::core::containers
