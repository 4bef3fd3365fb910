// Engine construction.
#include "core/engine.hpp"

namespace berth::core {

Engine::Engine(Config cfg)
    : config(std::move(cfg)),
      store(config.root),
      images(config, store, event_sink),
      manifests(config, store, images),
      system(config, store) {
  system.set_counts_provider([this] {
    ObjectCounts counts;
    counts.images = static_cast<int>(images.count());
    return counts;
  });
}

}  // namespace berth::core
