// The layer phase of a pull: docker's per-layer events, which layers are already here, and downloading the others
// up to 3 at a time, each verified against the config's diff_id.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/images/blob_locations.hpp"
#include "core/images/blob_store.hpp"
#include "core/images/image_store.hpp"
#include "core/images/layer_store.hpp"
#include "core/images/manifest.hpp"
#include "core/model/transfer.hpp"
#include "core/registry/endpoints.hpp"
#include "core/sys/cancel.hpp"

namespace berth::core::images {

struct LayerJob {
  Descriptor desc;
  Digest diff_id;                  // what the config's rootfs.diff_ids says
  bool present = false;            // the blob is here and its diff_id known: "Already exists"
  std::optional<std::size_t> dup;  // the same blob appears earlier in the manifest: that job's result is used
  bool extract = false;            // to be downloaded and its chain is not in the layer store: extract as it comes
};

// Matches manifest layers with the config's diff_ids (count mismatch → invalid_argument) and marks those whose
// blob is in `blobs` and whose diff_id some local image already recorded for that blob, and those whose extracted
// form no local image has.
std::vector<LayerJob> plan_layers(const std::vector<Descriptor>& layers, const std::vector<std::string>& diff_ids,
                                  const ImageIndex& index, const BlobStore& blobs);

struct LayerDownload {
  const registry::Source& source;
  const std::optional<registry::Credentials>& credentials;
  const sys::CancelToken& cancel;
  const BlobStore& blobs;
  const LayerStore& layers;
  const BlobLocations& locations;  // learns where each verified layer came from
  // Called from the download threads as well, never concurrently.
  const std::function<void(TransferEvent)>& emit;
};

// Emits "Pulling fs layer" (or "Already exists") for every layer, "Waiting" for those queued behind the first
// three, then downloads the missing ones on up to 3 threads, each with its own client: "Downloading" (throttled),
// "Verifying Checksum", "Download complete", and for a job marked `extract` "Extracting" (it was extracted during
// the download). A diff_id that differs from the config's → invalid_argument. The first failure stops the other
// downloads and is rethrown once every thread has ended; cancellation → unavailable "pull cancelled".
// Returns, per job, the layer staged during its download (not yet synced), for Impl::commit.
std::vector<std::optional<StagedLayer>> download_layers(const std::vector<LayerJob>& jobs, const LayerDownload& ctx);

// Thrown-as-is text of a cancelled pull.
[[noreturn]] void pull_cancelled();

}  // namespace berth::core::images
