// The system service: host facts, store figures and versions for /info and /version.
#pragma once

#include <functional>
#include <future>
#include <memory>

#include "core/config/config.hpp"
#include "core/model/system.hpp"
#include "core/store/store.hpp"

namespace berth::core {

class SystemService {
 public:
  // Starts gathering the host facts (tool versions, packages, cgroups) on a background thread, so the daemon
  // starts at once and the first /info finds them ready.
  SystemService(const Config& config, store::Store& store);
  SystemService(const SystemService&) = delete;
  SystemService& operator=(const SystemService&) = delete;

  // Host facts plus this moment's memory, uptime, load and store figures. Waits for the gathering the first time
  // (bounded by the tools' timeouts); afterwards it only reads a few /proc files and statfs's the root.
  HostInfo info() const;
  VersionInfo version() const;
  // The facts gathered at start; waits for them the first time.
  const HostFacts& facts() const;

  // The container, image and volume services report their counts through this once they exist (called while the
  // engine is built, before requests are served). Without one, every count is 0.
  using CountsProvider = std::function<ObjectCounts()>;
  void set_counts_provider(CountsProvider provider) { counts_ = std::move(provider); }

 private:
  StoreReport store_report() const;
  std::optional<RemoteSocket> remote_socket() const;

  const Config& config_;
  [[maybe_unused]] store::Store& store_;  // for counts and sizes once the store has them
  std::shared_future<std::shared_ptr<const HostFacts>> facts_;
  CountsProvider counts_;
  std::shared_ptr<const RegistriesConfig> registries_;
  // Read once: the environment does not change under a running daemon.
  std::string image_copy_tmp_dir_;
  std::map<std::string, std::string> proxy_;
  std::vector<std::string> default_capabilities_;
};

}  // namespace berth::core
