// STUB (helper replaces): host facts and versions.
#pragma once
#include "core/config/config.hpp"
#include "core/store/store.hpp"
namespace berth::core {
class SystemService {
 public:
  SystemService(const Config& config, store::Store& store);
};
}  // namespace berth::core
