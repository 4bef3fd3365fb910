// The engine's composition root: one Config, the store, and one service per resource.
#pragma once

#include <memory>

#include "core/config/config.hpp"
#include "core/events/sink.hpp"
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
  // Until the events issue gives berthd a bus and journal, events go nowhere.
  events::NullSink event_sink;
  images::ImageService images;
  manifests::ManifestService manifests;
  SystemService system;
};

}  // namespace berth::core
