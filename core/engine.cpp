// Engine construction.
#include "core/engine.hpp"

namespace berth::core {

Engine::Engine(Config cfg)
    : config(std::move(cfg)),
      store(config.root),
      event_sink(store),
      images(config, store, event_sink),
      manifests(config, store, images),
      system(config, store),
      runc(config.tools.runc, config.runroot + "/runc"),
      conmon(config.tools.conmon, config.tools.runc, config.runroot + "/runc"),
      containers(config, store, event_sink, images, containers::Drivers{runc, conmon, mounter}),
      exec(config, store, event_sink, containers, conmon) {
  system.set_counts_provider([this] {
    ObjectCounts counts;
    counts.images = static_cast<int>(images.count());
    for (const auto& c : containers.list({.all = true})) {
      ++counts.containers;
      switch (c.container->state.status) {
        case ContainerStatus::running:
          ++counts.running;
          break;
        case ContainerStatus::paused:
          ++counts.paused;
          break;
        default:
          ++counts.stopped;
      }
    }
    return counts;
  });
  containers.start_watching();
}

}  // namespace berth::core
