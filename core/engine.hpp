// The engine's composition root: one Config, the store, and one service per resource.
#pragma once

#include <memory>

#include "core/config/config.hpp"
#include "core/containers/service.hpp"
#include "core/drivers/monitor.hpp"
#include "core/drivers/mounter.hpp"
#include "core/drivers/oci_runtime.hpp"
#include "core/events/bus.hpp"
#include "core/exec/service.hpp"
#include "core/images/service.hpp"
#include "core/manifests/service.hpp"
#include "core/store/store.hpp"
#include "core/system/service.hpp"

namespace berth::core {

struct Engine {
  // Opens (and locks) the store under config.root and builds every service on it.
  explicit Engine(Config config);

  const Config config;
  store::Store store;
  // The one event bus: services publish to it, GET /events subscribes. Built after the store it journals in.
  events::EventBus event_sink;
  images::ImageService images;
  manifests::ManifestService manifests;
  SystemService system;
  // The tools containers run on (PRIMITIVES.md): runc with a private root, conmon, overlayfs.
  drivers::Runc runc;
  drivers::Conmon conmon;
  drivers::OverlayMounter mounter;
  // Declared after images: it registers itself as their usage provider and is destroyed first.
  containers::ContainerService containers;
  // Exec sessions run in containers; destroyed before them.
  exec::ExecService exec;
};

}  // namespace berth::core
