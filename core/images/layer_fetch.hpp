// Blob downloads for pull: a layer streamed into the blob store while its diff_id is computed, a config into memory,
// and the throttle that keeps progress events to a readable rate.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/images/archive_codec.hpp"
#include "core/images/blob_store.hpp"
#include "core/images/layer_store.hpp"
#include "core/images/manifest.hpp"
#include "core/registry/client.hpp"

namespace berth::core::images {

struct FetchedLayer {
  Digest blob;
  std::uint64_t size = 0;
  Compression compression = Compression::none;
  std::optional<Digest> diff_id;  // nullopt when the blob did not decode (decode_error says why)
  std::string decode_error;
  // With extract_into: the layer extracted from the same decode (not yet synced), or why that failed.
  std::optional<StagedLayer> staged;
  std::exception_ptr extract_error;
};

// Streams the blob `desc` names from `repo` into `blobs` through a BlobWriter (committed only when its digest and
// size match the descriptor), hashing its decompressed bytes on the way and, with `extract_into`, extracting them
// into a staged layer on a thread of its own, so a pulled layer is decompressed once. `progress(done)` follows
// every chunk; `check()` runs before each chunk is kept and throws to abort (cancellation, a sibling layer's
// failure). A blob whose size or digest is wrong throws; decode and extraction failures are returned, for the
// caller to report after the diff_id check.
FetchedLayer fetch_layer(registry::RegistryClient& client, std::string_view repo, const Descriptor& desc,
                         const BlobStore& blobs, const LayerStore* extract_into,
                         const std::function<void(std::uint64_t done)>& progress, const std::function<void()>& check);

// A config blob into memory, verified against the descriptor; larger than 16 MiB → invalid_argument.
std::string fetch_small_blob(registry::RegistryClient& client, std::string_view repo, const Descriptor& desc);

// docker-like pacing of "Downloading"/"Pushing" events: at most one per 512 KiB or per 100 ms.
class ProgressThrottle {
 public:
  // True when an event for `done` bytes should go out now.
  bool due(std::uint64_t done);

 private:
  std::uint64_t last_bytes_ = 0;
  std::chrono::steady_clock::time_point last_time_{};
};

// docker's short layer id: the first 12 hex digits of the digest.
std::string short_hex(const Digest& d);

}  // namespace berth::core::images
