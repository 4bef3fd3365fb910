// Image archives: reading docker-archive / oci-archive tar streams into the blob store, and writing images out as
// docker-archive, oci-archive, oci-dir or docker-dir.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/images/blob_store.hpp"
#include "core/images/service.hpp"

namespace berth::core::images {

// One layer of an archived image, its blob already committed to the blob store.
struct ArchivedLayer {
  Digest blob;             // the blob as found in the archive (uncompressed tar, or gzip/zstd)
  std::string media_type;  // OCI media type of that blob (…tar, …tar+gzip, …tar+zstd)
  std::uint64_t blob_size = 0;
  Digest diff_id;  // sha256 of the uncompressed tar, verified against the config's rootfs.diff_ids
};

// One image found in an archive: every blob it needs is in the blob store when read_image_archive returns.
struct ArchivedImage {
  Digest config;                      // config blob (its hex is the image ID)
  std::string config_json;            // the config bytes
  std::vector<ArchivedLayer> layers;  // bottom to top
  std::vector<std::string> names;     // names as the archive gives them: docker RepoTags ("busybox:latest") or OCI
                                      // ref names ("docker.io/library/busybox:latest"); the service normalises
  std::string manifest_json;          // the OCI/docker-v2 manifest, when the archive has one (oci-archive); else ""
  std::string manifest_media_type;
};

// Reads a docker-archive (manifest.json; legacy `repositories`/<id>/layer.tar layouts included) or an oci-archive
// (oci-layout + index.json), detected by content, optionally compressed as a whole (gzip, zstd, xz, bzip2). Every
// member is read once, in whatever order the archive has it; blobs are hashed as they stream into the blob store.
// Paths are never used to write files: nothing outside the blob store is created. Bad archives (no manifest, a
// missing or mismatching blob, diff_ids that do not match the config, truncated stream, hostile member names)
// → Errc::invalid_argument naming the member.
//
// Every blob the read committed (metadata files and stray members too, and on failure all so far) is appended to
// *spooled when given: the caller removes those no image uses.
std::vector<ArchivedImage> read_image_archive(int fd, const BlobStore& blobs, std::vector<Digest>* spooled = nullptr);

// One image to write, with the names to record for it (full normalised names; may be empty). docker-archive lists
// them all as RepoTags, in full as podman does; the OCI formats name the image by the first only, since podman
// refuses an oci-archive whose index has more than one entry.
struct ImageToSave {
  const Image* image = nullptr;
  std::vector<std::string> names;
};

// Writes images to out_fd as one tar stream of `format` (docker_dir and oci_dir are written as the tar of the
// directory, as podman's API sends them). Layers are the kept blobs: docker-archive stores them uncompressed
// (decompressing on the fly when the kept blob is compressed); OCI formats keep the blob as is, gzip when
// `compress` asks for it and the blob is not yet compressed. Output to a closed pipe → Errc::unavailable.
void write_image_archive(const std::vector<ImageToSave>& images, ArchiveFormat format, bool compress,
                         const BlobStore& blobs, int out_fd);

}  // namespace berth::core::images
