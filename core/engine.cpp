// Engine construction.
#include "core/engine.hpp"

namespace berth::core {

Engine::Engine(Config cfg) : config(std::move(cfg)), store(config.root), system(config, store) {}

}  // namespace berth::core
