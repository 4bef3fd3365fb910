// BlobLocations: where registries are known to hold a blob (podman's blob-info cache), so a push can mount a layer
// from another repository of the same registry instead of uploading it again.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/images/digest.hpp"
#include "core/registry/client.hpp"
#include "core/store/store.hpp"

namespace berth::core::images {

class BlobLocations {
 public:
  explicit BlobLocations(store::Store& store) : store_(store) {}

  // `registry` holds `digest` in `repo` (a pull fetched it from there, a push found, mounted or uploaded it).
  // Best effort: a failure to record only costs a later upload. Keeps the newest few repositories per blob and
  // registry.
  void record(const Digest& digest, const registry::Endpoint& registry, const std::string& repo) const noexcept;

  // Repositories of `registry` known to hold `digest`, newest first, at most `limit`.
  std::vector<std::string> repos(const Digest& digest, const registry::Endpoint& registry, std::size_t limit) const;

 private:
  store::Store& store_;
};

}  // namespace berth::core::images
