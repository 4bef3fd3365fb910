// ContainerService::attach and resize: conmon's attach socket and ctl fifo in the container's bundle.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/containers/attach.hpp"
#include "core/containers/service.hpp"
#include "core/containers/service_impl.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace berth::core::containers {

std::unique_ptr<streams::Duplex> ContainerService::attach(std::string_view ref, const AttachOptions& opts) {
  auto keys = parse_detach_keys(opts.detach_keys.value_or(impl_->config.containers.detach_keys));
  auto c = impl_->resolve(ref);
  ContainerLock lock(*impl_, c->id);
  c = impl_->resolve(c->id);
  ContainerPaths p = impl_->layout.paths(c->id);
  sys::Fd sock;
  if (opts.stream) {
    switch (c->state.status) {
      case ContainerStatus::paused:
        fail(Errc::conflict, "can only attach to created or running containers - currently in state paused");
      case ContainerStatus::removing:
        fail(Errc::conflict, "container " + c->id + " is being removed");
      case ContainerStatus::configured:
      case ContainerStatus::created:
      case ContainerStatus::stopped:
      case ContainerStatus::exited:
        // As podman: conmon creates the socket at init, and start skips init for an initialized container, so
        // nothing the container writes is missed.
        impl_->init_locked(*c);
        break;
      case ContainerStatus::initialized:
      case ContainerStatus::running:
        break;
    }
    try {
      sock = connect_attach_socket(p.bundle);
    } catch (const Error& e) {
      // conmon already left (the exit is not settled yet): nothing more will come, so the stream just ends.
      log::debug("attach " + c->id + ": " + e.message());
    }
  }
  std::unique_ptr<streams::Source<LogLine>> replay;
  if (opts.logs && c->spec.log_driver != "none")
    replay = open_log(p.log, {.stdout = opts.stdout, .stderr = opts.stderr}, [] { return true; });
  return make_attach_duplex(std::move(sock), c->spec.tty, opts, std::move(keys), std::move(replay));
}

void ContainerService::resize(std::string_view ref, int height, int width) {
  if (height < 0 || width < 0 || height > 65535 || width > 65535)
    fail(Errc::invalid_argument, "invalid terminal size " + std::to_string(height) + "x" + std::to_string(width));
  auto c = impl_->resolve(ref);
  if (!has_runtime(c->state.status) || c->state.status == ContainerStatus::paused)
    fail(Errc::conflict, "can only resize created or running containers");
  // Without a TTY conmon ignores the request, as podman's does.
  if (!c->spec.tty) return;
  std::string ctl = impl_->layout.paths(c->id).bundle + "/ctl";
  sys::Fd fd(::open(ctl.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) fail(Errc::conflict, std::strerror(errno), "resizing container " + c->id);
  // conmon's ctl message: type 1 (resize), then rows and columns.
  std::string msg = "1 " + std::to_string(height) + " " + std::to_string(width) + "\n";
  if (::write(fd.get(), msg.data(), msg.size()) != static_cast<ssize_t>(msg.size()))
    fail(Errc::internal, std::strerror(errno), "resizing container " + c->id);
}

}  // namespace berth::core::containers
