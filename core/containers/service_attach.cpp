// ContainerService::attach and resize: conmon's attach socket and ctl fifo in the container's bundle.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/containers/attach.hpp"
#include "core/containers/service.hpp"
#include "core/containers/service_impl.hpp"
#include "core/drivers/conmon_pipes.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace berth::core::containers {
namespace {

// Keeps an attach whose init failed open until the container record changes (the client's start failed or
// succeeded, the container went): docker's CLI attaches before it starts, and reports the start's error itself.
class StateChangeEnd final : public AttachEnd {
 public:
  StateChangeEnd(ContainerService::Impl& impl, std::string id) : impl_(impl), id_(std::move(id)) {
    signal_ = std::make_shared<WaitSignal>();
    impl_.add_waiter(signal_);
    seen_ = current();  // after add_waiter: a change from here on pokes the signal
  }
  int fd() const override { return signal_->fd(); }
  bool over() override {
    signal_->drain();
    auto cur = current();
    return !cur || cur != seen_;
  }

 private:
  std::shared_ptr<const Container> current() const {
    auto index = impl_.containers.index();
    auto it = index->by_id.find(id_);
    return it == index->by_id.end() ? nullptr : it->second;
  }

  ContainerService::Impl& impl_;
  std::string id_;
  std::shared_ptr<WaitSignal> signal_;
  std::shared_ptr<const Container> seen_;
};

}  // namespace

std::unique_ptr<streams::Duplex> ContainerService::attach(std::string_view ref, const AttachOptions& opts) {
  auto keys = parse_detach_keys(opts.detach_keys.value_or(impl_->config.containers.detach_keys));
  auto c = impl_->resolve(ref);
  ContainerLock lock(*impl_, c->id);
  c = impl_->resolve(c->id);
  ContainerPaths p = impl_->layout.paths(c->id);
  sys::Fd sock;
  std::unique_ptr<AttachEnd> end;
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
        // nothing the container writes is missed. A failed init (a missing command) is not the attach's error:
        // the stream stays open and the client's start reports it, as docker does.
        try {
          impl_->init_locked(*c);
        } catch (const Error& e) {
          log::debug("attach " + c->id + ": init failed: " + e.message());
          end = std::make_unique<StateChangeEnd>(*impl_, c->id);
        }
        break;
      case ContainerStatus::initialized:
      case ContainerStatus::running:
        break;
    }
    try {
      if (!end) sock = connect_attach_socket(p.bundle);
    } catch (const Error& e) {
      // conmon already left (the exit is not settled yet): nothing more will come, so the stream just ends.
      log::debug("attach " + c->id + ": " + e.message());
    }
  }
  std::unique_ptr<streams::Source<LogLine>> replay;
  if (opts.logs && c->spec.log_driver != "none")
    replay = open_log(p.log, {.stdout = opts.stdout, .stderr = opts.stderr}, [] { return true; });
  return make_attach_duplex(std::move(sock), c->spec.tty, opts, std::move(keys), std::move(replay), std::move(end));
}

void ContainerService::resize(std::string_view ref, int height, int width) {
  if (height < 0 || width < 0 || height > 65535 || width > 65535)
    fail(Errc::invalid_argument, "invalid terminal size " + std::to_string(height) + "x" + std::to_string(width));
  auto c = impl_->resolve(ref);
  if (!has_runtime(c->state.status) || c->state.status == ContainerStatus::paused)
    fail(Errc::conflict, "can only resize created or running containers");
  // Without a TTY conmon ignores the request, as podman's does.
  if (!c->spec.tty) return;
  drivers::conmon_pipes::write_resize(impl_->layout.paths(c->id).bundle, height, width);
}

}  // namespace berth::core::containers
