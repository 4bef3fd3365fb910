// ingest_uncompressed: libarchive's raw format strips the compression; the bytes go through a BlobWriter.
#include "core/images/import_stream.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/images/libarchive_ptr.hpp"

namespace berth::core::images {

namespace {

[[noreturn]] void bad_stream(archive* a) {
  const char* msg = archive_error_string(a);
  fail(Errc::invalid_argument, msg != nullptr ? msg : "unreadable stream", "import");
}

}  // namespace

IngestedLayer ingest_uncompressed(int fd, const BlobStore& blobs) {
  ArchiveReadPtr a(archive_read_new());
  if (!a) fail(Errc::internal, "archive_read_new failed");
  // Only the in-process decompressors: no external programs are ever started for client data.
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_format_raw(a.get());
  if (archive_read_open_fd(a.get(), fd, 64 * 1024) != ARCHIVE_OK) bad_stream(a.get());
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(a.get(), &entry);
  if (rc == ARCHIVE_EOF) fail(Errc::invalid_argument, "empty tar stream", "import");
  if (rc != ARCHIVE_OK) bad_stream(a.get());
  BlobWriter writer = blobs.writer();
  std::string buf(64 * 1024, '\0');
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
    if (n < 0) bad_stream(a.get());
    if (n == 0) break;
    writer.write(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  if (writer.size() == 0) fail(Errc::invalid_argument, "empty tar stream", "import");
  std::uint64_t size = writer.size();
  return IngestedLayer{.digest = writer.commit(), .size = size};
}

}  // namespace berth::core::images
