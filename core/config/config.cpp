// load_config: builds the immutable Config from containers.conf, registries.conf and storage.conf.
#include "core/config/config.hpp"

#include "core/config/config_internal.hpp"

namespace berth::core {

Config load_config(const ConfigSources& sources) {
  Config config;
  config_detail::load_containers_conf(sources, config);
  config_detail::load_registries_conf(sources, config.registries);
  config_detail::load_storage_conf(sources, config.storage);
  return config;
}

}  // namespace berth::core
