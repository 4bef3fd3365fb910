// Image archive reading and writing (docker-archive, oci-archive, oci-dir, docker-dir).
#include "core/images/archive_io.hpp"

#include "core/error.hpp"

namespace berth::core::images {

std::vector<ArchivedImage> read_image_archive(int, const BlobStore&) {
  fail(Errc::not_implemented, "image archives cannot be read yet");
}

void write_image_archive(const std::vector<ImageToSave>&, ArchiveFormat, bool, const BlobStore&, int) {
  fail(Errc::not_implemented, "image archives cannot be written yet");
}

}  // namespace berth::core::images
