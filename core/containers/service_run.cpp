// The running half of the lifecycle: start (mount, config.json, conmon, runc start), exits, restart policies,
// stop/kill/restart/pause/unpause.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/containers/etc_files.hpp"
#include "core/containers/idmapped_layers.hpp"
#include "core/containers/oci_spec.hpp"
#include "core/containers/service.hpp"
#include "core/containers/service_impl.hpp"
#include "core/drivers/netns.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/sys/cgroup.hpp"
#include "core/sys/safe_path.hpp"
#include "core/time.hpp"

namespace berth::core::containers {

namespace {

constexpr const char* kCgroupParent = "/berth";

std::optional<int> read_code(const std::string& path) {
  std::ifstream in(path);
  int code = 0;
  if (in >> code) return code;
  return std::nullopt;
}

std::string effective_user(const ContainerSpec& spec, const Image* image) {
  if (!spec.user.empty()) return spec.user;
  return image ? image->config.user : "";
}

std::string effective_workdir(const ContainerSpec& spec, const Image* image) {
  if (!spec.working_dir.empty()) return spec.working_dir;
  if (image && !image->config.working_dir.empty()) return image->config.working_dir;
  return "/";
}

[[noreturn]] void not_running(const Container& c) { fail(Errc::conflict, "container " + c.id + " is not running"); }

}  // namespace

Container ContainerService::Impl::init_locked(const Container& c) {
  std::shared_ptr<const Image> image;
  if (!c.spec.image_id.empty()) image = images.inspect(c.spec.image_id, images::ShortNamePolicy::podman);
  ContainerPaths p = layout.paths(c.id);
  if (drivers.runtime.state(c.id)) drivers.runtime.remove(c.id, true);  // a previous run's leftovers
  std::string rootfs = c.spec.rootfs.empty() ? p.merged : c.spec.rootfs;
  try {
    if (c.spec.rootfs.empty() && !drivers.mounter.mounted(p.merged))
      drivers.mounter.mount(idmapped_lowers(config.root, c.id, c.spec, images.layer_dirs(*image), p), p.upper, p.work,
                            p.merged);
    ProcessUser user = resolve_user(rootfs, effective_user(c.spec, image.get()), c.spec.group_add);
    {
      sys::Fd root = sys::open_root(rootfs);
      std::string wd = effective_workdir(c.spec, image.get());
      if (wd != "/") sys::mkdir_in_root(root.get(), wd);
    }
    // Every mode but host gets a namespace of the engine's own, with loopback up (runc's would have lo down).
    std::string netns = c.spec.network_mode == "host" ? "" : drivers::create_netns(layout.netns_dir(), c.id);
    OciInputs in{.id = c.id,
                 .rootfs = rootfs,
                 .image = image ? &image->config : nullptr,
                 .hosts_file = p.hosts,
                 .hostname_file = p.hostname,
                 .resolv_file = p.resolv,
                 .netns_path = netns,
                 .cgroup_parent = kCgroupParent,
                 .seccomp_json = seccomp_json,
                 .user = user};
    std::string doc = oci_config_json(c.spec, in, config);
    std::filesystem::create_directories(p.bundle);
    write_file_atomic(p.config_json, doc);
    for (const auto& stale : {p.exit_file, p.persist + "/exit", p.persist + "/oom"}) ::unlink(stale.c_str());
    drivers::LaunchSpec ls{.id = c.id,
                           .name = c.name,
                           .bundle = p.bundle,
                           .pid_file = p.pid_file,
                           .conmon_pid_file = p.conmon_pid,
                           .exit_dir = layout.exits_dir(),
                           .persist_dir = p.persist,
                           .log_driver = c.spec.log_driver == "none" ? "none" : "k8s-file",
                           .log_path = p.log,
                           .log_size_max = config.containers.log_size_max,
                           .terminal = c.spec.tty,
                           .stdin = c.spec.open_stdin,
                           // conmon closes stdin when an attach client goes, unless told not to. Docker closes
                           // it only for StdinOnce containers, and never a TTY's (a detach must leave the shell
                           // usable); podman's non-TTY containers always close it (their create sets stdin_once).
                           .leave_stdin_open = c.spec.tty || !c.spec.stdin_once};
    drivers::Launched launched = drivers.monitor.create(ls);
    Container next = c;
    next.state.status = ContainerStatus::initialized;
    next.state.pid = launched.pid;
    next.state.conmon_pid = launched.conmon_pid;
    next.state.error.clear();
    next.state.oom_killed = false;
    publish_state(c.id, next.state, make_event(c, "init"));
    return next;
  } catch (const Error& e) {
    fail_start(c, e);
  }
}

void ContainerService::Impl::start_locked(const Container& c) {
  Container inited = c.state.status == ContainerStatus::initialized ? c : init_locked(c);
  try {
    drivers.runtime.start(c.id);
    ContainerState st = inited.state;
    st.status = ContainerStatus::running;
    st.started_ns = now_ns();
    publish_state(c.id, st, make_event(c, "start"));
  } catch (const Error& e) {
    fail_start(inited, e);
  }
}

void ContainerService::Impl::fail_start(const Container& c, const Error& e) {
  {
    cleanup_runtime(c);
    ContainerState st = c.state;
    if (st.status == ContainerStatus::initialized) st.status = ContainerStatus::created;
    st.pid = st.conmon_pid = 0;
    st.error = e.message();
    if (e.code() == Errc::invalid_argument) st.exit_code = 127;  // docker's code for "executable not found"
    publish_state(c.id, st);
    throw e;
  }
}

void ContainerService::Impl::cleanup_runtime(const Container& c) noexcept {
  ContainerPaths p = layout.paths(c.id);
  try {
    drivers.runtime.remove(c.id, true);
  } catch (const std::exception& e) {
    log::warn("runc delete " + c.id + ": " + e.what());
  }
  try {
    if (c.spec.rootfs.empty()) drivers.mounter.unmount(p.merged);
  } catch (const std::exception& e) {
    log::warn("unmount " + p.merged + ": " + e.what());
  }
  try {
    sys::remove_cgroup(std::string(kCgroupParent) + "/" + c.id);
  } catch (const std::exception& e) {
    log::warn("cgroup of " + c.id + ": " + e.what());
  }
  ::unlink(p.exit_file.c_str());
  drivers::remove_netns(p.netns);
  std::error_code ec;
  std::filesystem::remove_all(p.bundle, ec);
}

void ContainerService::Impl::on_exit(const std::string& id) {
  if (id.size() != 64) return;  // not an exit file of ours (conmon writes <id> only)
  auto index = containers.index();
  if (!index->by_id.contains(id)) {
    ::unlink(layout.paths(id).exit_file.c_str());
    return;
  }
  ContainerLock lock(*this, id);
  auto c = resolve(id);
  ContainerPaths p = layout.paths(id);
  if (!has_runtime(c->state.status)) {
    ::unlink(p.exit_file.c_str());
    return;
  }
  std::optional<int> code = read_code(p.exit_file);
  if (!code) code = read_code(p.persist + "/exit");
  bool oom = std::filesystem::exists(p.persist + "/oom");
  cleanup_runtime(*c);
  ContainerState st = c->state;
  st.status = ContainerStatus::exited;
  st.exit_code = code.value_or(-1);
  st.finished_ns = now_ns();
  st.oom_killed = oom;
  st.pid = 0;
  st.conmon_pid = 0;
  record_exit(id, *st.exit_code);
  publish_state(id, st, make_event(*c, "died", {{"exitCode", std::to_string(*st.exit_code)}}));

  const auto& policy = c->spec.restart;
  bool again = (policy.name == "always" && !st.stopped_by_user) ||
               (policy.name == "unless-stopped" && !st.stopped_by_user) ||
               (policy.name == "on-failure" && *st.exit_code != 0 && !st.stopped_by_user &&
                (policy.max_retries == 0 || st.restart_count < policy.max_retries));
  if (again) {
    Container next = *c;
    next.state = st;
    ++next.state.restart_count;
    try {
      start_locked(next);
      emit(next, "restart");
    } catch (const std::exception& e) {
      log::warn("restart of " + id + ": " + e.what());
    }
  } else if (c->spec.auto_remove) {
    Container gone = *c;
    gone.state = st;
    remove_locked(gone);
  }
}

bool ContainerService::init(std::string_view ref) {
  auto c = impl_->resolve(ref);
  ContainerLock lock(*impl_, c->id);
  c = impl_->resolve(c->id);
  if (has_runtime(c->state.status)) return false;
  if (c->state.status == ContainerStatus::removing) fail(Errc::conflict, "container " + c->id + " is being removed");
  impl_->init_locked(*c);
  return true;
}

void ContainerService::start(std::string_view ref) {
  auto c = impl_->resolve(ref);
  ContainerLock lock(*impl_, c->id);
  c = impl_->resolve(c->id);
  if (c->state.status == ContainerStatus::running) fail(Errc::conflict, "container " + c->id + " is already running");
  if (c->state.status == ContainerStatus::paused)
    fail(Errc::conflict, "cannot start paused container " + c->id + ": unpause it instead");
  if (c->state.status == ContainerStatus::removing) fail(Errc::conflict, "container " + c->id + " is being removed");
  Container next = *c;
  next.state.stopped_by_user = false;
  try {
    impl_->start_locked(next);
  } catch (const Error&) {
    // docker removes an --rm container whose start failed; left behind, a waiter for "removed" would wait forever.
    if (c->spec.auto_remove) {
      try {
        impl_->remove_locked(*impl_->resolve(c->id));
      } catch (const std::exception& e) {
        log::warn("auto-remove of " + c->id + " after a failed start: " + e.what());
      }
    }
    throw;
  }
}

StopResult ContainerService::stop(std::string_view ref, const StopOptions& opts) {
  auto c = impl_->resolve(ref);
  int timeout = opts.timeout.value_or(c->spec.stop_timeout.value_or(10));
  {
    ContainerLock lock(*impl_, c->id);
    c = impl_->resolve(c->id);
    if (!has_runtime(c->state.status)) return StopResult{.was_running = false};
    ContainerState st = c->state;
    st.stopped_by_user = true;  // restart policies leave a user's stop alone
    impl_->publish_state(c->id, st);
    std::string sig = !opts.signal.empty() ? opts.signal : c->spec.stop_signal;
    // An initialized container has run nothing of its own yet: nothing to stop gracefully.
    if (c->state.status == ContainerStatus::initialized) sig = "SIGKILL";
    try {
      if (c->state.status == ContainerStatus::paused) impl_->drivers.runtime.resume(c->id);
      impl_->drivers.runtime.kill(c->id, sig.empty() ? SIGTERM : parse_signal(sig), false);
    } catch (const Error& e) {
      // conflict or not_found: it exited meanwhile (runc may already have deleted its state)
      if (e.code() != Errc::conflict && e.code() != Errc::not_found) throw;
    }
  }
  auto gone = [](const Container* x) { return !x || !has_runtime(x->state.status); };
  auto wait = timeout < 0 ? std::chrono::milliseconds::max() / 2 : std::chrono::milliseconds(timeout * 1000LL);
  if (!impl_->wait_until(c->id, gone, wait)) {
    // PID 1 ignores signals it has no handler for (PRIMITIVES §5): escalate.
    try {
      impl_->drivers.runtime.kill(c->id, SIGKILL, true);
    } catch (const Error& e) {
      if (e.code() != Errc::conflict && e.code() != Errc::not_found) throw;
    }
    if (!impl_->wait_until(c->id, gone, kKillGrace))
      fail(Errc::unavailable, "container " + c->id + " did not exit after SIGKILL");
  }
  impl_->emit(*c, "stop");
  return StopResult{.was_running = true};
}

void ContainerService::kill(std::string_view ref, const std::string& signal, bool wait_exit) {
  int sig = parse_signal(signal.empty() ? "SIGKILL" : signal);
  auto c = impl_->resolve(ref);
  {
    ContainerLock lock(*impl_, c->id);
    c = impl_->resolve(c->id);
    if (!is_running(c->state.status)) not_running(*c);
    try {
      impl_->drivers.runtime.kill(c->id, sig, false);
    } catch (const Error& e) {
      // runc no longer knows it: it exited and its exit is being recorded right now.
      if (e.code() == Errc::not_found) not_running(*c);
      throw;
    }
    impl_->emit(*c, "kill", {{"signal", std::to_string(sig)}});
  }
  if (wait_exit && sig == SIGKILL) impl_->await_killed(c->id);
}

void ContainerService::restart(std::string_view ref, std::optional<int> timeout) {
  auto c = impl_->resolve(ref);
  stop(c->id, StopOptions{.timeout = timeout});
  start(c->id);
  impl_->emit(*impl_->resolve(c->id), "restart");
}

void ContainerService::pause(std::string_view ref) {
  auto c = impl_->resolve(ref);
  ContainerLock lock(*impl_, c->id);
  c = impl_->resolve(c->id);
  if (c->state.status == ContainerStatus::paused) fail(Errc::conflict, "container " + c->id + " is already paused");
  if (c->state.status != ContainerStatus::running) not_running(*c);
  impl_->drivers.runtime.pause(c->id);
  ContainerState st = c->state;
  st.status = ContainerStatus::paused;
  impl_->publish_state(c->id, st, impl_->make_event(*c, "pause"));
}

void ContainerService::unpause(std::string_view ref) {
  auto c = impl_->resolve(ref);
  ContainerLock lock(*impl_, c->id);
  c = impl_->resolve(c->id);
  if (c->state.status != ContainerStatus::paused) fail(Errc::conflict, "container " + c->id + " is not paused");
  impl_->drivers.runtime.resume(c->id);
  ContainerState st = c->state;
  st.status = ContainerStatus::running;
  impl_->publish_state(c->id, st, impl_->make_event(*c, "unpause"));
}

}  // namespace berth::core::containers
