// Removal (remove, prune) and the start-up reconcile that brings every row in line with runc and conmon.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/containers/container_filter.hpp"
#include "core/containers/idmapped_layers.hpp"
#include "core/containers/service.hpp"
#include "core/containers/service_impl.hpp"
#include "core/drivers/netns.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/sys/process.hpp"
#include "core/time.hpp"

namespace berth::core::containers {

namespace {

std::uint64_t dir_size(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(
           dir, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2) && !it->is_symlink(e2)) total += it->file_size(e2);
  }
  return total;
}

}  // namespace

std::vector<std::string> ContainerService::Impl::exec_sessions_of(const std::string& id) const {
  return store.read([&](store::Db& db) {
    std::vector<std::string> out;
    auto st = db.prepare("SELECT id FROM exec_sessions WHERE container_id = ?1 ORDER BY created, rowid");
    st->bind_text(1, id);
    while (st->step()) out.push_back(st->column_text(0));
    return out;
  });
}

void ContainerService::Impl::remove_locked(const Container& c) {
  ContainerState st = c.state;
  st.status = ContainerStatus::removing;  // the intent, so a crash mid-way is finished by reconcile
  publish_state(c.id, st);
  cleanup_runtime(c);
  ContainerPaths p = layout.paths(c.id);
  std::error_code ec;
  // The exec sessions' conmon dirs (their processes died with the container's).
  for (const auto& session : exec_sessions_of(c.id)) std::filesystem::remove_all(layout.exec_dir(session), ec);
  // Never delete through a still-mounted rootfs: that would reach into the image's layers.
  if (c.spec.rootfs.empty() && drivers.mounter.mounted(p.merged))
    fail(Errc::internal, "the root filesystem of " + c.id + " is still mounted", "remove");
  std::filesystem::remove_all(p.dir, ec);
  if (ec) log::warn("remove " + p.dir + ": " + ec.message());
  release_idmapped_layers(config.root, c.id, c.spec);
  Event e = make_event(c, "remove");
  containers.mutate([&](ContainerDraft& d) {
    d.remove(c.id);
    events.record(d.db(), e);
  });
  {
    std::lock_guard lock(locks_mutex);
    locks.erase(c.id);
  }
  state_cv.notify_all();
  poke_waiters();
  events.announce(e);
}

std::string ContainerService::remove(std::string_view ref, const RemoveOptions& opts) {
  auto c = impl_->resolve(ref);
  if (is_running(c->state.status)) {
    if (!opts.force) {
      fail(Errc::conflict, "You cannot remove a running container " + c->id +
                               ". Stop the container before attempting removal or force remove");
    }
    {
      ContainerLock lock(*impl_, c->id);
      auto cur = impl_->resolve(c->id);
      ContainerState st = cur->state;
      st.stopped_by_user = true;
      impl_->publish_state(c->id, st);
      try {
        if (cur->state.status == ContainerStatus::paused) impl_->drivers.runtime.resume(c->id);
        impl_->drivers.runtime.kill(c->id, SIGKILL, true);
      } catch (const Error& e) {
        // conflict or not_found: it exited meanwhile (runc may already have deleted its state)
        if (e.code() != Errc::conflict && e.code() != Errc::not_found) throw;
      }
    }
    impl_->await_killed(c->id);
  }
  ContainerLock lock(*impl_, c->id);
  auto index = impl_->containers.index();
  auto it = index->by_id.find(c->id);
  if (it == index->by_id.end()) return c->id;  // auto-removed meanwhile
  impl_->remove_locked(*it->second);
  return c->id;
}

PruneReport ContainerService::prune(const Filters& filters) {
  auto index = impl_->containers.index();
  ContainerFilter match(filters, {"until", "label", "label!"}, *index,
                        [this](std::string_view ref) { return impl_->resolve(ref); });
  PruneReport report;
  // `index` is held: removals below publish new ones.
  for (const auto& [id, c] : index->by_id) {
    if (has_runtime(c->state.status) || c->state.status == ContainerStatus::removing || !match(*c)) continue;
    std::uint64_t size = dir_size(impl_->layout.paths(id).upper);
    try {
      remove(id, {});
      report.deleted.push_back(id);
      report.space_reclaimed += size;
    } catch (const Error& e) {
      log::warn("prune " + id + ": " + e.message());
    }
  }
  return report;
}

bool ContainerService::Impl::settle_runtime(const Container& c) {
  ContainerPaths p = layout.paths(c.id);
  auto rs = drivers.runtime.state(c.id);
  if (rs && !std::filesystem::exists(p.exit_file)) {
    std::optional<ContainerStatus> now;
    if (rs->status == "running") now = ContainerStatus::running;
    if (rs->status == "paused") now = ContainerStatus::paused;
    if (rs->status == "created" && c.state.status == ContainerStatus::initialized) now = ContainerStatus::initialized;
    if (now) {
      ContainerState st = c.state;
      st.status = *now;
      st.pid = rs->pid;
      if (st.status != c.state.status || st.pid != c.state.pid) publish_state(c.id, st);
      return true;
    }
  }
  // Exited, but its conmon is still alive: conmon is about to write the code and the exit watcher will see it.
  // (Only while runc still knows it: after a reboot the pid may be anyone's.)
  if (rs && !std::filesystem::exists(p.exit_file) && sys::process_alive(c.state.conmon_pid)) return true;
  // It exited unseen: the same path as a live exit (conmon left the code behind).
  if (!std::filesystem::exists(p.exit_file) && !std::filesystem::exists(p.persist + "/exit")) {
    std::ofstream(p.exit_file) << -1;  // conmon died too: the code is unknown
  } else if (!std::filesystem::exists(p.exit_file)) {
    std::error_code ec;
    std::filesystem::copy_file(p.persist + "/exit", p.exit_file, ec);
  }
  return false;
}

void ContainerService::sync() {
  auto index = impl_->containers.index();
  std::vector<std::string> exited;
  for (const auto& [id, c] : index->by_id) {
    if (!has_runtime(c->state.status)) continue;
    ContainerLock lock(*impl_, id);
    auto now = impl_->containers.index();
    auto it = now->by_id.find(id);
    if (it == now->by_id.end() || !has_runtime(it->second->state.status)) continue;
    if (!impl_->settle_runtime(*it->second)) exited.push_back(id);
  }
  for (const auto& id : exited) impl_->on_exit(id);  // it takes the lock itself
}

void ContainerService::Impl::reconcile() {
  auto index = containers.index();
  for (const auto& [id, c] : index->by_id) {
    try {
      ContainerLock lock(*this, id);
      auto cur = resolve(id);
      ContainerPaths p = layout.paths(id);
      if (cur->state.status == ContainerStatus::removing) {
        remove_locked(*cur);
        continue;
      }
      if (has_runtime(cur->state.status)) {
        if (settle_runtime(*cur)) continue;
        // It exited while berthd was down: the same path as a live exit (conmon left the code behind).
        if (!std::filesystem::exists(p.exit_file) && !std::filesystem::exists(p.persist + "/exit")) {
          std::ofstream(p.exit_file) << -1;  // conmon died too: the code is unknown
        } else if (!std::filesystem::exists(p.exit_file)) {
          std::filesystem::copy_file(p.persist + "/exit", p.exit_file);
        }
      } else {
        // Created or exited: nothing may be left running or mounted.
        if (drivers.runtime.state(id)) drivers.runtime.remove(id, true);
        if (cur->spec.rootfs.empty() && drivers.mounter.mounted(p.merged)) drivers.mounter.unmount(p.merged);
        ::unlink(p.exit_file.c_str());
        continue;
      }
    } catch (const std::exception& e) {
      log::warn("reconcile " + id + ": " + e.what());
      continue;
    }
    on_exit(id);  // outside the lock it takes itself
  }
  // Directories and bundles of containers that never committed (a crash during create) or were removed.
  std::error_code ec;
  for (const auto& dir : {layout.containers_dir(), layout.bundles_dir()}) {
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (containers.index()->by_id.contains(name)) continue;
      std::string merged = e.path().string() + "/merged";
      if (drivers.mounter.mounted(merged)) drivers.mounter.unmount(merged);
      if (drivers.mounter.mounted(merged)) continue;  // never delete through a mount
      std::filesystem::remove_all(e.path(), ec);
    }
  }
  // Network namespaces pinned for containers that no longer run.
  for (const auto& e : std::filesystem::directory_iterator(layout.netns_dir(), ec)) {
    auto idx = containers.index();
    auto it = idx->by_id.find(e.path().filename().string());
    if (it == idx->by_id.end() || !has_runtime(it->second->state.status)) drivers::remove_netns(e.path().string());
  }
  // Exit files that arrived for containers no longer known.
  for (const auto& e : std::filesystem::directory_iterator(layout.exits_dir(), ec)) {
    std::string name = e.path().filename().string();
    if (!containers.index()->by_id.contains(name)) std::filesystem::remove(e.path(), ec);
  }
}

}  // namespace berth::core::containers
