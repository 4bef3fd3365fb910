// Import input: a tar stream, possibly compressed, stored uncompressed as a blob so its digest is the diff ID.
#pragma once

#include <cstdint>

#include "core/images/blob_store.hpp"

namespace berth::core::images {

struct IngestedLayer {
  Digest digest;  // of the uncompressed tar: blob digest and diff ID at once
  std::uint64_t size = 0;
};

// Reads fd to its end, decompressing gzip/zstd/xz/bzip2 (detected by magic, in process), and commits the plain
// bytes to the blob store. An empty or corrupt stream → invalid_argument.
IngestedLayer ingest_uncompressed(int fd, const BlobStore& blobs);

}  // namespace berth::core::images
