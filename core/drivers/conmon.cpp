// Conmon::create: spawn conmon for a container and complete the sync/start handshake (PRIMITIVES.md §2).
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "core/drivers/conmon_pipes.hpp"
#include "core/drivers/monitor.hpp"
#include "core/drivers/runc_errors.hpp"
#include "core/error.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/process.hpp"

namespace berth::core::drivers {
namespace {

using conmon_pipes::kFirstExitTimeout;
using conmon_pipes::kStartFd;
using conmon_pipes::kSyncFd;
using conmon_pipes::read_pid_file;
using conmon_pipes::SocketPair;

// `runc create` takes ~20 ms; a conmon that says nothing for this long is stuck and must not hold a worker.
constexpr std::chrono::seconds kSyncTimeout{30};

std::vector<std::string> conmon_argv(const std::string& conmon, const std::string& runtime,
                                     const std::string& runtime_root, const LaunchSpec& spec) {
  // One flag and its value per line: the invocation of PRIMITIVES.md §2.
  std::vector<std::string> argv{conmon};
  auto flag = [&](std::string name, std::string value) {
    argv.push_back(std::move(name));
    argv.push_back(std::move(value));
  };
  flag("--api-version", "1");
  flag("-c", spec.id);
  flag("-u", spec.id);
  flag("-r", runtime);
  flag("-b", spec.bundle);
  flag("-p", spec.pid_file);
  flag("-n", spec.name.empty() ? spec.id : spec.name);
  flag("--exit-dir", spec.exit_dir);
  argv.emplace_back("--full-attach");  // the attach socket is BUNDLE/attach, not a truncated path
  flag("--persist-dir", spec.persist_dir);
  flag("--runtime-arg", "--root");
  flag("--runtime-arg", runtime_root);
  flag("--conmon-pidfile", spec.conmon_pid_file);
  flag("--log-level", "info");
  if (spec.log_driver == "none") {
    flag("-l", "none");
  } else {
    flag("-l", "k8s-file:" + spec.log_path);
    if (spec.log_size_max >= 0) flag("--log-size-max", std::to_string(spec.log_size_max));
  }
  if (spec.terminal) argv.emplace_back("-t");
  if (spec.stdin) argv.emplace_back("-i");
  if (spec.stdin && spec.leave_stdin_open) argv.emplace_back("--leave-stdin-open");
  if (!spec.exit_command.empty()) {
    flag("--exit-command", spec.exit_command.front());
    for (size_t i = 1; i < spec.exit_command.size(); ++i) flag("--exit-command-arg", spec.exit_command[i]);
  }
  return argv;
}

}  // namespace

Conmon::Conmon(std::string conmon, std::string runtime, std::string runtime_root)
    : conmon_(std::move(conmon)), runtime_(std::move(runtime)), runtime_root_(std::move(runtime_root)) {}

Launched Conmon::create(const LaunchSpec& spec) {
  // conmon binds BUNDLE/attach itself (--full-attach); a longer path fails deep inside conmon with a vague error.
  if (spec.bundle.size() + sizeof("/attach") > sizeof(sockaddr_un{}.sun_path)) {
    fail(Errc::internal, "bundle path too long for the attach socket: " + spec.bundle, "conmon " + spec.id);
  }
  SocketPair sync = conmon_pipes::seqpacket_pair();
  SocketPair start = conmon_pipes::seqpacket_pair();

  sys::DetachedOptions opts;
  opts.env = {"_OCI_SYNCPIPE=" + std::to_string(kSyncFd), "_OCI_STARTPIPE=" + std::to_string(kStartFd),
              "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  opts.fds = {{sync.child.get(), kSyncFd}, {start.child.get(), kStartFd}};
  opts.new_session = true;  // conmon must survive the daemon and not see its signals
  int first = sys::spawn_detached(conmon_argv(conmon_, runtime_, runtime_root_, spec), opts);
  // Only conmon may hold the child ends, or a dead conmon would never show as EOF.
  sync.child.reset();
  start.child.reset();

  // Whatever goes wrong from here, nothing may stay behind: no monitor, no half-created runc container.
  auto cleanup = [&]() {
    if (int monitor = read_pid_file(spec.conmon_pid_file); monitor > 0 && monitor != first) ::kill(monitor, SIGKILL);
    sys::run({runtime_, "--root", runtime_root_, "delete", "--force", spec.id}, {.timeout = std::chrono::seconds(30)});
  };

  // conmon blocks on the start pipe before forking; without the byte it never runs runc.
  if (!conmon_pipes::send_start_byte(start.ours.get())) {
    int err = errno;
    ::kill(first, SIGKILL);
    sys::wait_exit(first);
    cleanup();
    fail(Errc::internal, std::strerror(err), "conmon: start pipe");
  }
  if (!sys::wait_exit(first, kFirstExitTimeout)) {
    ::kill(first, SIGKILL);
    sys::wait_exit(first);
    cleanup();
    fail(Errc::internal, "conmon did not daemonize", "conmon " + spec.id);
  }

  auto packet = conmon_pipes::read_packet(sync.ours.get(), kSyncTimeout);
  if (!packet) {
    cleanup();
    fail(Errc::internal, "timed out waiting for conmon", "conmon " + spec.id);
  }
  if (packet->empty()) {
    cleanup();
    fail(Errc::internal, "conmon exited without reporting the container's pid", "conmon " + spec.id);
  }
  auto msg = conmon_pipes::parse_message(*packet);
  if (!msg) {
    cleanup();
    fail(Errc::internal, "unexpected message from conmon: " + *packet, "conmon " + spec.id);
  }
  if (msg->data <= 0) {
    std::string text = runc_message(msg->message);
    if (text.empty()) text = "runc create failed";
    cleanup();
    fail(missing_executable(text) ? Errc::invalid_argument : Errc::internal, text, "creating container " + spec.id);
  }
  Launched out;
  out.pid = msg->data;
  out.conmon_pid = read_pid_file(spec.conmon_pid_file);
  if (out.conmon_pid <= 0) {
    cleanup();
    fail(Errc::internal, "conmon wrote no pid file", "conmon " + spec.id);
  }
  return out;
}

}  // namespace berth::core::drivers
