// ExecService: processes run inside a running container (docker/podman exec) through conmon's exec mode
// (PRIMITIVES.md §3). Sessions live in SQLite (exec_sessions) and go with their container.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/containers/service.hpp"
#include "core/drivers/monitor.hpp"
#include "core/events/sink.hpp"
#include "core/store/store.hpp"
#include "core/streams/source.hpp"

namespace berth::core::exec {

// What POST /containers/{name}/exec asks for (docker's ExecConfig, podman's ExecCreateConfig).
struct ExecConfig {
  std::vector<std::string> cmd;  // required, non-empty
  std::vector<std::string> env;  // "K=V" over the container's environment
  std::string working_dir;       // "" → the container's
  std::string user;              // "" → the container's; "name", "uid", "uid:gid", "name:group"
  bool privileged = false;       // every capability the daemon holds
  bool tty = false;
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
  std::optional<std::string> detach_keys;  // nullopt: containers.conf's default; "": none
  int console_height = 0;                  // docker's ConsoleSize; 0: not given
  int console_width = 0;
};

enum class ExecState { created, running, exited };

struct ExecSession {
  std::string id;  // 64 hex
  std::string container_id;
  ExecConfig config;
  ExecState state = ExecState::created;
  int pid = 0;                   // while running / after it ran
  std::optional<int> exit_code;  // once exited
  std::int64_t created_ns = 0;
};

struct ExecStartOptions {
  bool detach = false;      // start and return; no stream
  std::optional<bool> tty;  // docker lets start override; nullopt → the session's
  int height = 0;           // initial TTY size (podman's h/w on start); 0: not given
  int width = 0;
};

class ExecService {
 public:
  ExecService(const Config& config, store::Store& store, events::EventSink& events,
              containers::ContainerService& containers, drivers::Monitor& monitor);
  ~ExecService();
  ExecService(const ExecService&) = delete;
  ExecService& operator=(const ExecService&) = delete;

  // Unknown container → not_found; not running or paused → conflict ("container ... is not running"); no
  // command or bad detach keys → invalid_argument. Returns the session ID.
  std::string create(std::string_view container_ref, const ExecConfig& config);

  // Runs the session's process. Unknown session → not_found; already started, or the container no longer
  // running / paused → conflict. Detached: returns null once the process runs. Otherwise a Duplex wired to the
  // process's stdio (attach_* of the session); it ends after the process exited and its exit code was recorded,
  // so an inspect right after the stream shows it. A command that cannot start (not found → 127, not executable
  // → 126) still returns a Duplex: it yields runc's message on stderr and ends.
  std::unique_ptr<streams::Duplex> start(std::string_view id, const ExecStartOptions& opts);

  // The session, settled first (a process that exited unseen gets its exit code). Unknown → not_found.
  ExecSession inspect(std::string_view id);

  // TTY size through the session's ctl fifo. Unknown → not_found; not running → conflict.
  void resize(std::string_view id, int height, int width);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::core::exec
