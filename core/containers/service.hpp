// ContainerService: the container lifecycle on overlay + conmon + runc, state in SQLite (DESIGN.md §6, §7).
// Both API trees call it; it never knows which one asked.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/containers/attach.hpp"
#include "core/containers/layout.hpp"
#include "core/containers/logs.hpp"
#include "core/events/sink.hpp"
#include "core/images/service.hpp"
#include "core/model/container.hpp"
#include "core/model/filters.hpp"
#include "core/store/store.hpp"
#include "core/streams/source.hpp"

namespace berth::core::drivers {
class OciRuntime;
class Monitor;
class Mounter;
}  // namespace berth::core::drivers

namespace berth::core::containers {

class ContainerStore;

struct Drivers {
  drivers::OciRuntime& runtime;
  drivers::Monitor& monitor;
  drivers::Mounter& mounter;
};

struct CreateResult {
  std::string id;
  std::vector<std::string> warnings;
};

struct StopOptions {
  std::optional<int> timeout;  // seconds; nullopt → the container's stop timeout (10); -1 → wait forever
  std::string signal;          // "" → the container's stop signal
};
struct StopResult {
  bool was_running = false;  // false: compat answers 304
};

struct RemoveOptions {
  bool force = false;    // stop (kill) a running container first
  bool volumes = false;  // anonymous volumes too (no volumes yet)
  std::optional<int> timeout;
};

struct ListOptions {
  bool all = false;   // stopped ones too
  int last = -1;      // docker's limit / podman's last: the N most recently created (implies all)
  bool size = false;  // compute SizeRw / SizeRootFs (walks the upper dir)
  bool sync = false;  // sync() first (podman's ps --sync)
  Filters filters;    // id, name, label, status, exited, ancestor, before, since, volume, network, health, pod
};

// What inspect needs beyond the stored record, computed once.
struct ContainerDetails {
  std::shared_ptr<const Container> container;
  ContainerPaths paths;
  std::string path;               // resolved process path (entrypoint/cmd rules)
  std::vector<std::string> args;  // the rest of the command line
  std::vector<std::string> env;   // effective environment
  std::string working_dir;        // effective
  std::string user;               // effective ("" = root)
  std::string hostname;
  std::string stop_signal;  // effective ("SIGTERM" default)
  int stop_timeout = 10;
  std::vector<std::string> lower_dirs;        // the image's layer dirs, top first (GraphDriver.Data.LowerDir)
  std::map<std::string, std::string> labels;  // image labels merged with the spec's
  std::vector<std::string> image_cmd;         // for Config.Cmd when the spec has none
  std::vector<std::string> image_entrypoint;
  std::int64_t size_rw = -1;  // with size=true
  std::int64_t size_root_fs = -1;
  std::vector<std::string> exec_ids;  // its exec sessions, oldest first (ExecIDs)
};

struct ListedContainer {
  std::shared_ptr<const Container> container;
  std::string command;  // docker's "Command": path + args joined by spaces
  std::int64_t size_rw = -1;
  std::int64_t size_root_fs = -1;
};

// Wait conditions as both APIs name them: "not-running"/"stopped"/"exited" (docker default: not-running),
// "next-exit", "removed", "running", "created", "paused".
struct WaitResult {
  int exit_code = 0;
  std::string error;  // docker's {"Error":{"Message"}} when waiting failed
};

struct TopResult {
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> processes;
};

struct PruneReport {
  std::vector<std::string> deleted;
  std::uint64_t space_reclaimed = 0;
};

struct ContainerLogs {
  bool tty = false;
  std::unique_ptr<streams::Source<LogLine>> lines;
};

class ContainerService {
 public:
  ContainerService(const Config& config, store::Store& store, events::EventSink& events, images::ImageService& images,
                   Drivers drivers);
  ~ContainerService();
  ContainerService(const ContainerService&) = delete;
  ContainerService& operator=(const ContainerService&) = delete;

  // At start: reconciles every container with runc state and exit files (exited while berthd was down → exited
  // with its code; restart policies), removes stale mounts and bundles, drops half-created containers; then starts
  // watching the exits dir. Separate from the constructor so tests can drive it.
  void start_watching();

  // The image must exist locally (the API layer pulls first where docker/podman would); spec.image is resolved
  // with `policy` (docker's or podman's short-name rules) unless spec.image_id is already set. Unknown image →
  // not_found; name in use → conflict; bad values → invalid_argument. Nothing is left behind on failure.
  CreateResult create(const ContainerSpec& spec, images::ShortNamePolicy policy = images::ShortNamePolicy::podman);
  // Mounts, writes the bundle and has conmon + runc create it, without starting: podman's init. False when it
  // already is initialized, running or paused (podman's 304).
  bool init(std::string_view ref);
  // Re-reads runc's state of every container with a runtime and settles the ones that exited unseen (podman's
  // sync).
  void sync();
  // 409 (conflict) when already running; starting a stopped container again is allowed.
  void start(std::string_view ref);
  StopResult stop(std::string_view ref, const StopOptions& opts);
  // Not running → conflict ("container x is not running"). Unknown signal → invalid_argument. With wait_exit, a
  // SIGKILL returns once the container has stopped (docker's kill does; podman's libpod kill does not).
  void kill(std::string_view ref, const std::string& signal, bool wait_exit = false);
  void restart(std::string_view ref, std::optional<int> timeout);
  void pause(std::string_view ref);
  void unpause(std::string_view ref);
  // Running without force → conflict. Returns the removed ID.
  std::string remove(std::string_view ref, const RemoveOptions& opts);
  void rename(std::string_view ref, std::string_view new_name);
  bool exists(std::string_view ref) const;
  ContainerDetails inspect(std::string_view ref, bool size = false) const;
  std::vector<ListedContainer> list(const ListOptions& opts);
  // Blocks nothing: the source yields one WaitResult when the condition holds (at once if it already does).
  std::unique_ptr<streams::Source<WaitResult>> wait(std::string_view ref, const std::vector<std::string>& conditions);
  ContainerLogs logs(std::string_view ref, const LogOptions& opts);
  // Connects to the container's stdio (service_attach.cpp). A created or exited container is initialized first, so
  // the socket exists and a later start keeps output from the first byte (docker: create, attach, wait, start).
  // Paused or being removed → conflict; bad detach keys → invalid_argument.
  std::unique_ptr<streams::Duplex> attach(std::string_view ref, const AttachOptions& opts);
  // The TTY size through conmon's ctl fifo; not initialized or running → conflict.
  void resize(std::string_view ref, int height, int width);
  // ps_args: "" → "-ef"-like default columns (UID PID PPID C STIME TTY TIME CMD).
  TopResult top(std::string_view ref, const std::string& ps_args) const;
  PruneReport prune(const Filters& filters);
  // Resolves a reference (full ID, name with or without "/", unique ID prefix) to the container.
  std::shared_ptr<const Container> find(std::string_view ref) const;
  std::size_t count() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::core::containers
