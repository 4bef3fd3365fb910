// Safe extraction of an image layer tarball (plain/gzip/zstd tar) into a directory, converting whiteouts for overlay.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace berth::core::images {

struct ExtractOptions {
  // Cap on the sum of regular-file sizes (uncompressed). A file whose claimed size would pass it fails before any
  // byte of it is written. Unset: unlimited.
  std::optional<uint64_t> max_bytes;
};

struct LayerStats {
  uint64_t entries = 0;  // tar entries processed, whiteouts included
  uint64_t files = 0;    // regular files written
  uint64_t dirs = 0;
  uint64_t symlinks = 0;
  uint64_t hardlinks = 0;
  uint64_t devices = 0;         // char/block devices and fifos from the archive
  uint64_t whiteouts = 0;       // .wh.NAME and .wh..wh..opq entries converted
  uint64_t bytes = 0;           // regular-file bytes (uncompressed size)
  uint64_t xattrs_skipped = 0;  // refused by the filesystem with EPERM/ENOTSUP (e.g. user.* on a symlink)
};

// Reads a tar stream from archive_fd (read from its current offset; not closed) and writes it under dest_dir, which
// must exist. Every path is resolved with openat2(RESOLVE_IN_ROOT) relative to dest_dir, so absolute names,
// symlinks to "/" or "../.." and hardlinks to host paths all stay inside it; ".." components are refused.
// Ownership, modes (setuid too), nanosecond mtimes, xattrs and device nodes are kept; `.wh.NAME` becomes a 0:0
// char device NAME and `.wh..wh..opq` the xattr trusted.overlay.opaque=y on its directory (needs root).
//
// Throws Error(invalid_argument, ..., "layer entry \"<name>\"") for a bad entry (escape, unsupported type,
// corrupt or truncated stream), Error(too_large) past max_bytes. On failure dest_dir holds a partial tree: the
// caller must delete it. Nothing is ever written outside dest_dir.
LayerStats extract_layer(int archive_fd, const std::string& dest_dir, const ExtractOptions& opts = {});
// The same for an archive file.
LayerStats extract_layer_file(const std::string& archive_path, const std::string& dest_dir,
                              const ExtractOptions& opts = {});

}  // namespace berth::core::images
