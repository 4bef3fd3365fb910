// Owning pointers for libarchive's read and write handles (freed with archive_read_free / archive_write_free).
#pragma once

#include <archive.h>

#include <memory>

namespace berth::core::images {

struct ArchiveReadFree {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};
struct ArchiveWriteFree {
  void operator()(archive* a) const noexcept { archive_write_free(a); }
};
using ArchiveReadPtr = std::unique_ptr<archive, ArchiveReadFree>;
using ArchiveWritePtr = std::unique_ptr<archive, ArchiveWriteFree>;

}  // namespace berth::core::images
