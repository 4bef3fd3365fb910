// Conmon::exec: an exec session through conmon's exec mode (PRIMITIVES.md §3): conmon runs `runc exec` and keeps
// the process's exit code, so it is never lost. Three pipes: sync (pid, then the exit code), start (two bytes: go,
// then "attached"), attach (conmon says when its attach socket is ready, so output is caught from the first byte).
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "core/containers/attach.hpp"
#include "core/drivers/conmon_pipes.hpp"
#include "core/drivers/monitor.hpp"
#include "core/drivers/runc_errors.hpp"
#include "core/error.hpp"
#include "core/sys/process.hpp"

namespace berth::core::drivers {
namespace {

using conmon_pipes::kAttachFd;
using conmon_pipes::kFirstExitTimeout;
using conmon_pipes::kStartFd;
using conmon_pipes::kSyncFd;
using conmon_pipes::SocketPair;

// `runc exec` takes ~20 ms; a conmon that says nothing for this long is stuck and must not hold a worker.
constexpr std::chrono::seconds kPipeTimeout{30};

std::vector<std::string> exec_argv(const std::string& conmon, const std::string& runtime,
                                   const std::string& runtime_root, const ExecLaunchSpec& spec) {
  std::vector<std::string> argv{conmon};
  auto flag = [&](std::string name, std::string value) {
    argv.push_back(std::move(name));
    argv.push_back(std::move(value));
  };
  flag("--api-version", "1");
  flag("-c", spec.container_id);
  flag("-u", spec.session_id);
  flag("-r", runtime);
  flag("-b", spec.exec_dir);
  flag("-p", spec.pid_file);
  flag("-n", spec.session_id);
  flag("--exit-dir", spec.exit_dir);
  argv.emplace_back("--full-attach");  // the attach socket is EXEC_DIR/attach
  flag("--persist-dir", spec.persist_dir);
  flag("--runtime-arg", "--root");
  flag("--runtime-arg", runtime_root);
  flag("--conmon-pidfile", spec.conmon_pid_file);
  flag("--log-level", "info");
  flag("-l", "none");  // an exec's output goes to its attach client only, as with podman and docker
  if (spec.terminal) argv.emplace_back("-t");
  if (spec.stdin) argv.emplace_back("-i");
  argv.emplace_back("-e");
  argv.emplace_back("--exec-attach");
  flag("--exec-process-spec", spec.process_json);
  return argv;
}

// The message on `fd` within the timeout, as conmon's {"data": N}; failures say what was awaited.
conmon_pipes::PipeMessage read_message(int fd, const std::string& what, const std::string& session) {
  auto packet = conmon_pipes::read_packet(fd, kPipeTimeout);
  if (!packet) fail(Errc::internal, "timed out waiting for conmon (" + what + ")", "exec " + session);
  if (packet->empty()) fail(Errc::internal, "conmon exited early (" + what + ")", "exec " + session);
  auto msg = conmon_pipes::parse_message(*packet);
  if (!msg) fail(Errc::internal, "unexpected message from conmon: " + *packet, "exec " + session);
  return *msg;
}

}  // namespace

ExecLaunched Monitor::exec(const ExecLaunchSpec&) { fail(Errc::not_implemented, "this monitor cannot exec"); }

ExecLaunched Conmon::exec(const ExecLaunchSpec& spec) {
  if (spec.exec_dir.size() + sizeof("/attach") > sizeof(sockaddr_un{}.sun_path)) {
    fail(Errc::internal, "exec dir path too long for the attach socket: " + spec.exec_dir, "exec " + spec.session_id);
  }
  SocketPair sync = conmon_pipes::seqpacket_pair();
  SocketPair start = conmon_pipes::seqpacket_pair();
  SocketPair attach = conmon_pipes::seqpacket_pair();

  sys::DetachedOptions opts;
  opts.env = {"_OCI_SYNCPIPE=" + std::to_string(kSyncFd), "_OCI_STARTPIPE=" + std::to_string(kStartFd),
              "_OCI_ATTACHPIPE=" + std::to_string(kAttachFd),
              "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  opts.fds = {{sync.child.get(), kSyncFd}, {start.child.get(), kStartFd}, {attach.child.get(), kAttachFd}};
  opts.new_session = true;  // conmon must survive the daemon and not see its signals
  int first = sys::spawn_detached(exec_argv(conmon_, runtime_, runtime_root_, spec), opts);
  sync.child.reset();
  start.child.reset();
  attach.child.reset();

  bool reaped = false;
  auto reap_first = [&](bool kill_it) {
    if (reaped) return;
    if (kill_it) ::kill(first, SIGKILL);
    if (!sys::wait_exit(first, kFirstExitTimeout)) {
      ::kill(first, SIGKILL);
      sys::wait_exit(first);
    }
    reaped = true;
  };
  ExecLaunched out;
  try {
    if (!conmon_pipes::send_start_byte(start.ours.get()))
      fail(Errc::internal, std::strerror(errno), "conmon: start pipe");
    // {"data": 0}: conmon's attach socket exists. The first conmon process has forked the monitor by then.
    read_message(attach.ours.get(), "attach socket", spec.session_id);
    reap_first(false);
    out.conmon_pid = conmon_pipes::read_pid_file(spec.conmon_pid_file);
    if (spec.attach) {
      out.attach = containers::connect_attach_socket(spec.exec_dir);
      out.start = std::move(start.ours);
    } else {
      // The second byte lets conmon run `runc exec`.
      if (!conmon_pipes::send_start_byte(start.ours.get()))
        fail(Errc::internal, std::strerror(errno), "conmon: start pipe");
      auto msg = read_message(sync.ours.get(), "exec pid", spec.session_id);
      if (msg.data <= 0) {
        out.error = runc_message(msg.message);
        if (out.error.empty()) out.error = "runc exec failed";
        return out;
      }
      out.pid = msg.data;
    }
  } catch (...) {
    reap_first(true);
    if (int monitor = conmon_pipes::read_pid_file(spec.conmon_pid_file); monitor > 0) ::kill(monitor, SIGKILL);
    throw;
  }
  ::fcntl(sync.ours.get(), F_SETFL, ::fcntl(sync.ours.get(), F_GETFL) | O_NONBLOCK);
  out.sync = std::move(sync.ours);
  return out;
}

}  // namespace berth::core::drivers
