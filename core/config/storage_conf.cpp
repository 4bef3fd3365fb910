// storage.conf: the one file c/storage would read, and its [storage] driver/graphroot/runroot (reported only).
#include "core/config/config_internal.hpp"

namespace berth::core::config_detail {

namespace {

// c/storage DefaultConfigFile: CONTAINERS_STORAGE_CONF, else /etc when it exists, else /usr/share.
std::vector<std::string> candidates(const ConfigSources& sources) {
  if (!sources.storage_conf.empty()) return {sources.storage_conf};
  if (auto env = env_value(sources, "CONTAINERS_STORAGE_CONF")) return {*env};
  return {"/etc/containers/storage.conf", "/usr/share/containers/storage.conf"};
}

}  // namespace

// A missing file leaves the defaults, as c/storage does.
void load_storage_conf(const ConfigSources& sources, StorageConfig& storage) {
  for (const auto& path : candidates(sources)) {
    auto file = read_toml_file(path);
    if (!file) continue;
    storage.file = path;
    auto table = file->root().get_table("storage");
    if (!table) return;
    // An empty driver makes c/storage probe for one; overlay is what it finds on the hosts we support.
    if (auto driver = table->get_string("driver"); driver && !driver->empty()) storage.driver = *driver;
    if (auto graphroot = table->get_string("graphroot")) storage.graphroot = *graphroot;
    if (auto runroot = table->get_string("runroot")) storage.runroot = *runroot;
    return;
  }
}

}  // namespace berth::core::config_detail
