// STUB (helper replaces).
#include "core/config/config.hpp"
namespace berth::core {
Config load_config(const ConfigSources&) { return {}; }
}  // namespace berth::core
