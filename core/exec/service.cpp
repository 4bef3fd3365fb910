// ExecService: create records a session; start writes its process object and has conmon run it (attached or
// detached); exits are recorded from conmon's sync pipe, or found later in the session's exit file.
#include "core/exec/service.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/containers/attach.hpp"
#include "core/containers/capabilities.hpp"
#include "core/containers/layout.hpp"
#include "core/containers/oci_spec.hpp"
#include "core/drivers/conmon_pipes.hpp"
#include "core/error.hpp"
#include "core/exec/exec_duplex.hpp"
#include "core/exec/exec_store.hpp"
#include "core/exec/process_spec.hpp"
#include "core/log.hpp"
#include "core/sys/process.hpp"
#include "core/time.hpp"

namespace berth::core::exec {
namespace {

std::string random_id() {
  unsigned char bytes[32];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) fail(Errc::internal, "getrandom");
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id.push_back(hex[b >> 4]);
    id.push_back(hex[b & 15]);
  }
  return id;
}

// Where runc's failure is "no such command" (127) or "cannot run it" (126), as docker and podman report them.
int exit_code_for_start_error(const std::string& message) {
  if (message.find("executable file not found") != std::string::npos ||
      message.find("no such file or directory") != std::string::npos)
    return 127;
  return 126;
}

void write_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.flush()) fail(Errc::internal, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(Errc::internal, "cannot write " + path);
}

std::optional<int> read_exit_file(const std::string& path) {
  std::ifstream in(path);
  int code = 0;
  if (in >> code) return code;
  return std::nullopt;
}

void check_runnable(const Container& c) {
  if (c.state.status == ContainerStatus::paused)
    fail(Errc::conflict, "container " + c.id + " is paused, unpause the container before exec");
  if (c.state.status != ContainerStatus::running) fail(Errc::conflict, "container " + c.id + " is not running");
}

}  // namespace

struct ExecService::Impl {
  Impl(const Config& config, store::Store& store, events::EventSink& events, containers::ContainerService& containers,
       drivers::Monitor& monitor)
      : config(config),
        events(events),
        containers(containers),
        monitor(monitor),
        layout(config.root, config.runroot),
        sessions(store) {}

  ExecSession get(std::string_view ref) {
    auto s = sessions.find(ref);
    if (!s) fail(Errc::not_found, "no such exec instance: " + std::string(ref));
    return *s;
  }

  Event make_event(const std::string& container_id, const char* action, const std::string& session,
                   std::map<std::string, std::string> extra) {
    Event e{.type = "container", .action = action, .id = container_id};
    try {
      auto c = containers.find(container_id);
      e.name = c->name;
      e.attributes["name"] = c->name;
      e.attributes["image"] = c->spec.image;
      for (const auto& [k, v] : c->spec.labels) e.attributes.emplace(k, v);
    } catch (const Error&) {
      // Removed meanwhile: the event still names the session.
    }
    e.attributes["execID"] = session;
    for (auto& [k, v] : extra) e.attributes[k] = std::move(v);
    return e;
  }

  // Records the exit once and reports it.
  void exited(const ExecSession& s, int code) {
    if (!sessions.set_exited(s.id, code)) return;
    std::string cmd;
    for (const auto& a : s.config.cmd) cmd += (cmd.empty() ? "" : " ") + a;
    events.publish(make_event(s.container_id, "exec_died", s.id, {{"exitCode", std::to_string(code)}, {"cmd", cmd}}));
  }

  // A running session whose process is gone gets its exit code from conmon's exit file (or -1 without one).
  ExecSession settle(ExecSession s) {
    if (s.state != ExecState::running) return s;
    std::string dir = layout.exec_dir(s.id);
    auto code = read_exit_file(dir + "/exits/" + s.container_id);
    if (!code) {
      int conmon = drivers::conmon_pipes::read_pid_file(dir + "/conmon.pid");
      if (conmon > 0 && sys::process_alive(conmon)) return s;
      if (conmon == 0 && s.pid == 0) return s;  // still being started: conmon has not written its pid yet
      code = -1;
    }
    exited(s, *code);
    s.state = ExecState::exited;
    s.exit_code = *code;
    return s;
  }

  const Config& config;
  events::EventSink& events;
  containers::ContainerService& containers;
  drivers::Monitor& monitor;
  containers::Layout layout;
  ExecStore sessions;
};

ExecService::ExecService(const Config& config, store::Store& store, events::EventSink& events,
                         containers::ContainerService& containers, drivers::Monitor& monitor)
    : impl_(std::make_unique<Impl>(config, store, events, containers, monitor)) {}
ExecService::~ExecService() = default;

std::string ExecService::create(std::string_view container_ref, const ExecConfig& config) {
  if (config.cmd.empty() || config.cmd.front().empty()) fail(Errc::invalid_argument, "No exec command specified");
  // Checked now so a bad value is a 400 here rather than at start.
  containers::parse_detach_keys(config.detach_keys.value_or(impl_->config.containers.detach_keys));
  auto c = impl_->containers.find(container_ref);
  check_runnable(*c);
  ExecSession s;
  s.id = random_id();
  s.container_id = c->id;
  s.config = config;
  s.created_ns = now_ns();
  impl_->sessions.add(s);
  return s.id;
}

std::unique_ptr<streams::Duplex> ExecService::start(std::string_view id, const ExecStartOptions& opts) {
  ExecSession s = impl_->get(id);
  if (s.state == ExecState::running) fail(Errc::conflict, "exec session " + s.id + " is already running");
  if (s.state == ExecState::exited) fail(Errc::conflict, "exec session " + s.id + " has already run");
  auto c = impl_->containers.find(s.container_id);
  check_runnable(*c);
  ExecConfig cfg = s.config;
  if (opts.tty) cfg.tty = *opts.tty;
  int height = opts.height > 0 ? opts.height : cfg.console_height;
  int width = opts.width > 0 ? opts.width : cfg.console_width;
  bool attach = !opts.detach;
  if (opts.detach) cfg.attach_stdin = cfg.attach_stdout = cfg.attach_stderr = false;
  auto keys = containers::parse_detach_keys(cfg.detach_keys.value_or(impl_->config.containers.detach_keys));

  containers::ContainerPaths paths = impl_->layout.paths(c->id);
  nlohmann::json container_config;
  {
    std::ifstream in(paths.config_json);
    container_config = nlohmann::json::parse(in, nullptr, false);
  }
  if (!container_config.is_object()) fail(Errc::conflict, "container " + c->id + " is not running");
  std::optional<containers::ProcessUser> user;
  if (!cfg.user.empty()) user = containers::resolve_user(paths.merged, cfg.user, {});
  std::vector<std::string> caps;
  if (cfg.privileged) caps = containers::own_bounding_set();

  std::string dir = impl_->layout.exec_dir(s.id);
  std::error_code ec;
  std::filesystem::create_directories(dir + "/exits", ec);
  std::filesystem::create_directories(dir + "/persist", ec);
  if (ec) fail(Errc::internal, ec.message(), "creating " + dir);
  drivers::ExecLaunchSpec launch{
      .container_id = c->id,
      .session_id = s.id,
      .exec_dir = dir,
      .process_json = dir + "/process.json",
      .pid_file = dir + "/exec_pid",
      .conmon_pid_file = dir + "/conmon.pid",
      .exit_dir = dir + "/exits",
      .persist_dir = dir + "/persist",
      .terminal = cfg.tty,
      .stdin = cfg.attach_stdin,
      .attach = attach,
  };
  write_file(
      launch.process_json,
      exec_process(container_config.value("process", nlohmann::json::object()), cfg, user, caps, height, width).dump());

  // Marked running before conmon runs, so a second start of the same session is a conflict.
  impl_->sessions.set_running(s.id, 0);
  drivers::ExecLaunched launched;
  try {
    launched = impl_->monitor.exec(launch);
  } catch (...) {
    impl_->sessions.set_exited(s.id, -1);
    throw;
  }
  std::string cmd;
  for (const auto& a : cfg.cmd) cmd += (cmd.empty() ? "" : " ") + a;
  Impl* impl = impl_.get();
  if (!attach) {
    if (launched.pid <= 0) {
      impl->exited(s, exit_code_for_start_error(launched.error));
      fail(Errc::invalid_argument, launched.error, "exec " + s.id);
    }
    impl->sessions.set_running(s.id, launched.pid);
    impl->events.publish(impl->make_event(c->id, "exec", s.id, {{"cmd", cmd}}));
    return nullptr;
  }

  containers::AttachOptions aopts{.stream = true,
                                  .logs = false,
                                  .stdin = cfg.attach_stdin,
                                  .stdout = cfg.attach_stdout,
                                  .stderr = cfg.attach_stderr,
                                  .detach_keys = cfg.detach_keys};
  auto inner = containers::make_attach_duplex(std::move(launched.attach), cfg.tty, aopts, std::move(keys), nullptr);
  // The hooks run on an IO thread, where nothing may throw.
  auto guarded = [id = s.id](const char* what, auto&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      log::warn("exec " + id + ": " + what + ": " + e.what());
    }
  };
  ExecHooks hooks;
  hooks.started = [impl, s, cmd, guarded](int pid) {
    guarded("recording its start", [&] {
      impl->sessions.set_running(s.id, pid);
      impl->events.publish(impl->make_event(s.container_id, "exec", s.id, {{"cmd", cmd}}));
    });
  };
  hooks.failed = [impl, s, guarded](const std::string& error) {
    guarded("recording its failure", [&] { impl->exited(s, exit_code_for_start_error(error)); });
    return "OCI runtime exec failed: " + error + ": unknown\r\n";
  };
  hooks.exited = [impl, s, guarded](std::optional<int> code) {
    guarded("recording its exit", [&] {
      if (code) {
        impl->exited(s, *code);
      } else {
        ExecSession running = s;
        running.state = ExecState::running;
        impl->settle(running);
      }
    });
  };
  return make_exec_duplex(std::move(inner), std::move(launched.start), std::move(launched.sync), std::move(hooks));
}

ExecSession ExecService::inspect(std::string_view id) { return impl_->settle(impl_->get(id)); }

void ExecService::resize(std::string_view id, int height, int width) {
  if (height < 0 || width < 0 || height > 65535 || width > 65535)
    fail(Errc::invalid_argument, "invalid terminal size " + std::to_string(height) + "x" + std::to_string(width));
  ExecSession s = impl_->settle(impl_->get(id));
  if (s.state != ExecState::running) fail(Errc::conflict, "exec session " + s.id + " is not running");
  if (!s.config.tty) return;
  drivers::conmon_pipes::write_resize(impl_->layout.exec_dir(s.id), height, width);
}

}  // namespace berth::core::exec
