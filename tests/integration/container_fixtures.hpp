// Container tests' shared parts: a busybox image with the applets tests use, and a ContainerService on real runc,
// conmon and overlayfs over a temp root (reopen() simulates a berthd restart with containers still running).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/containers/service.hpp"
#include "core/drivers/monitor.hpp"
#include "core/drivers/mounter.hpp"
#include "core/drivers/oci_runtime.hpp"
#include "core/events/sink.hpp"
#include "core/images/service.hpp"
#include "core/store/store.hpp"
#include "core/sys/fd.hpp"
#include "tests/integration/image_fixtures.hpp"
#include "tests/support/temp_dir.hpp"

namespace berth::test {

// busybox-static as an image rootfs: the applets the tests call, /etc/passwd and /etc/group.
inline std::string busybox_image_tar() {
  static const std::string busybox = read_file_bytes("/bin/busybox");
  std::vector<TarEntry> entries = {
      {"bin", TarEntry::Kind::dir, "", "", 0755},
      {"bin/busybox", TarEntry::Kind::file, busybox, "", 0755},
      {"etc", TarEntry::Kind::dir, "", "", 0755},
      {"etc/passwd", TarEntry::Kind::file,
       "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"
       "app:x:1000:1000:app:/home/app:/bin/sh\n",
       "", 0644},
      {"etc/group", TarEntry::Kind::file, "root:x:0:\nnogroup:x:65534:\napp:x:1000:\nextra:x:2000:app\n", "", 0644},
      {"root", TarEntry::Kind::dir, "", "", 0700},
      {"tmp", TarEntry::Kind::dir, "", "", 01777},
  };
  for (const char* applet :
       {"sh",   "echo", "sleep", "cat",    "true",  "false", "id",   "ls",   "ps",   "env", "hostname", "wc",
        "head", "yes",  "seq",   "printf", "touch", "mkdir", "kill", "trap", "date", "pwd", "top"})
    entries.push_back({std::string("bin/") + applet, TarEntry::Kind::symlink, "", "busybox", 0777});
  return make_tar(entries);
}

struct ContainerFixture {
  TempDir dir{"berth-ctr"};
  core::Config config;
  core::events::NullSink sink;
  std::optional<core::store::Store> store;
  std::optional<core::images::ImageService> images;
  std::optional<core::drivers::Runc> runc;
  std::optional<core::drivers::Conmon> conmon;
  core::drivers::OverlayMounter mounter;
  std::optional<core::containers::ContainerService> containers;
  std::string image_id;

  ContainerFixture() {
    config.root = dir.sub("root");
    config.runroot = dir.sub("run");
    config.registries.unqualified_search = {"docker.io"};
    open();
    std::string path = dir.sub("busybox.tar");
    std::ofstream(path, std::ios::binary) << busybox_image_tar();
    core::sys::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    image_id = images->import(fd.get(), {.reference = "busybox:latest"}).id;
  }
  ~ContainerFixture() {
    // Nothing may outlive the test: kill and remove every container (conmon too).
    if (containers) {
      for (const auto& c : containers->list({.all = true})) {
        try {
          containers->remove(c.container->id, {.force = true});
        } catch (...) {
        }
      }
    }
    close();
  }
  void open() {
    store.emplace(config.root);
    images.emplace(config, *store, sink);
    runc.emplace(config.tools.runc, config.runroot + "/runc");
    conmon.emplace(config.tools.conmon, config.tools.runc, config.runroot + "/runc");
    containers.emplace(config, *store, sink, *images, core::containers::Drivers{*runc, *conmon, mounter});
    containers->start_watching();
  }
  void close() {
    containers.reset();
    conmon.reset();
    runc.reset();
    images.reset();
    store.reset();
  }
  void reopen() {
    close();
    open();
  }
  core::containers::ContainerService& svc() { return *containers; }

  std::string create(std::vector<std::string> cmd, core::ContainerSpec spec = {}) {
    if (spec.image.empty()) spec.image = "busybox";
    spec.command = std::move(cmd);
    return containers->create(spec).id;
  }

  // Waits for a condition through the wait Source, as a server pump would (poll on wait_fd).
  std::optional<int> wait(const std::string& id, const std::string& condition = "not-running",
                          std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto src = containers->wait(id, {condition});
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      core::containers::WaitResult r;
      auto p = src->next(r);
      if (p == core::streams::Poll::item) return r.exit_code;
      if (p == core::streams::Poll::end) return std::nullopt;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd pfd{src->wait_fd(), POLLIN, 0};
      ::poll(&pfd, 1, static_cast<int>(left.count()));
    }
  }

  // The whole log (not following).
  std::string logs(const std::string& id, core::containers::LogOptions opts = {}) {
    auto l = containers->logs(id, opts);
    std::string out;
    for (;;) {
      core::containers::LogLine line;
      auto p = l.lines->next(line);
      if (p == core::streams::Poll::item) {
        out += line.data;
        continue;
      }
      if (p == core::streams::Poll::end) return out;
      pollfd pfd{l.lines->wait_fd(), POLLIN, 0};
      ::poll(&pfd, 1, 1000);
    }
  }
};

}  // namespace berth::test
