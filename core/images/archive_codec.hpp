// Layer blob codecs for image archives: compression sniffing, OCI/docker media types, and decompressing or
// gzipping a blob into an anonymous temp file with its digest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/images/digest.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::images {

enum class Compression { none, gzip, zstd, other };  // other: xz or bzip2, which no image media type names

// By the stream's magic bytes (needs the first 6 bytes; fewer are taken as uncompressed).
Compression sniff_compression(std::string_view head);
// The same for a file, read at offset 0.
Compression sniff_compression(int fd);

std::string_view oci_layer_media_type(Compression c);     // application/vnd.oci.image.layer.v1.tar[+gzip|+zstd]
std::string_view docker_layer_media_type(Compression c);  // application/vnd.docker.image.rootfs.diff.tar[.gzip]

// An unlinked temp file holding a converted blob.
struct TempBlob {
  sys::Fd fd;
  Digest digest;
  std::uint64_t size = 0;
};

// Decompresses (gzip, zstd, xz, bzip2) the file at src_fd (read from offset 0) into a temp file under dir.
// A corrupt stream → Errc::invalid_argument.
TempBlob decompress_to_temp(int src_fd, const std::string& dir);
// Gzips the file at src_fd (from offset 0) into a temp file under dir. No timestamp is stored, so the same input
// always gives the same blob digest.
TempBlob gzip_to_temp(int src_fd, const std::string& dir);

}  // namespace berth::core::images
