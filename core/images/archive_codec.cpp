// Layer blob codecs on libarchive's in-process filters ("raw" format: a single unnamed stream).
#include "core/images/archive_codec.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <memory>

#include "core/error.hpp"
#include "core/images/libarchive_ptr.hpp"

namespace berth::core::images {
namespace {

constexpr std::size_t kChunk = 1 << 20;

struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

std::string archive_message(archive* a, const char* fallback) {
  const char* m = archive_error_string(a);
  return m ? m : fallback;
}

// An anonymous file in dir: nothing to clean up if we crash or throw (mkstemp + unlink where O_TMPFILE is missing).
sys::Fd temp_file(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return sys::Fd(fd);
  std::string tmpl = dir + "/convert-XXXXXX";
  fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) fail(Errc::internal, std::string("create temp file in ") + dir + ": " + ::strerror(errno));
  ::unlink(tmpl.c_str());
  return sys::Fd(fd);
}

// Appends to the temp file while hashing.
struct Sink {
  int fd;
  Sha256 hash;
  std::uint64_t size = 0;
  int err = 0;

  bool put(const void* data, std::size_t len) {
    hash.update(std::string_view(static_cast<const char*>(data), len));
    const char* p = static_cast<const char*>(data);
    while (len > 0) {
      ssize_t n = ::write(fd, p, len);
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno;
        return false;
      }
      p += n;
      len -= static_cast<std::size_t>(n);
      size += static_cast<std::uint64_t>(n);
    }
    return true;
  }
};

void rewind(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) fail(Errc::internal, std::string("seek blob: ") + ::strerror(errno));
}

}  // namespace

Compression sniff_compression(std::string_view h) {
  auto u = [&](std::size_t i) { return static_cast<unsigned char>(h[i]); };
  if (h.size() >= 2 && u(0) == 0x1f && u(1) == 0x8b) return Compression::gzip;
  if (h.size() >= 4 && u(0) == 0x28 && u(1) == 0xb5 && u(2) == 0x2f && u(3) == 0xfd) return Compression::zstd;
  if (h.size() >= 6 && h.substr(0, 6) == std::string_view("\xfd"
                                                          "7zXZ\0",
                                                          6))
    return Compression::other;
  if (h.size() >= 3 && h.substr(0, 3) == "BZh") return Compression::other;
  return Compression::none;
}

Compression sniff_compression(int fd) {
  char head[6];
  ssize_t n;
  do n = ::pread(fd, head, sizeof head, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) fail(Errc::internal, std::string("read blob: ") + ::strerror(errno));
  return sniff_compression(std::string_view(head, static_cast<std::size_t>(n)));
}

std::string_view oci_layer_media_type(Compression c) {
  switch (c) {
    case Compression::gzip:
      return "application/vnd.oci.image.layer.v1.tar+gzip";
    case Compression::zstd:
      return "application/vnd.oci.image.layer.v1.tar+zstd";
    default:
      return "application/vnd.oci.image.layer.v1.tar";
  }
}

std::string_view docker_layer_media_type(Compression c) {
  return c == Compression::gzip ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
                                : "application/vnd.docker.image.rootfs.diff.tar";
}

TempBlob decompress_to_temp(int src_fd, const std::string& dir) {
  rewind(src_fd);
  ArchiveReadPtr a(archive_read_new());
  if (!a) fail(Errc::internal, "out of memory");
  // In-process decoders only: filter_all could start external programs for exotic formats.
  for (auto add : {archive_read_support_filter_gzip, archive_read_support_filter_zstd, archive_read_support_filter_xz,
                   archive_read_support_filter_bzip2})
    add(a.get());
  archive_read_support_format_raw(a.get());
  archive_entry* e = nullptr;
  if (archive_read_open_fd(a.get(), src_fd, kChunk) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &e) != ARCHIVE_OK)
    fail(Errc::invalid_argument, archive_message(a.get(), "unreadable compressed blob"));
  TempBlob out{temp_file(dir), Digest::from_hex(std::string(64, '0')), 0};
  Sink sink{out.fd.get()};
  for (;;) {
    const void* buf = nullptr;
    size_t len = 0;
    la_int64_t off = 0;
    int r = archive_read_data_block(a.get(), &buf, &len, &off);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) fail(Errc::invalid_argument, archive_message(a.get(), "corrupt compressed blob"));
    if (!sink.put(buf, len)) fail(Errc::internal, std::string("write temp file: ") + ::strerror(sink.err));
  }
  out.digest = sink.hash.finish();
  out.size = sink.size;
  return out;
}

TempBlob gzip_to_temp(int src_fd, const std::string& dir) {
  rewind(src_fd);
  TempBlob out{temp_file(dir), Digest::from_hex(std::string(64, '0')), 0};
  Sink sink{out.fd.get()};
  ArchiveWritePtr a(archive_write_new());
  if (!a) fail(Errc::internal, "out of memory");
  auto on_write = [](archive*, void* ud, const void* buf, size_t len) -> la_ssize_t {
    return static_cast<Sink*>(ud)->put(buf, len) ? static_cast<la_ssize_t>(len) : -1;
  };
  // No padding of the last block (it would follow the gzip trailer) and no timestamp in the gzip header.
  if (archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK || archive_write_set_format_raw(a.get()) != ARCHIVE_OK ||
      archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr) < ARCHIVE_WARN ||
      archive_write_set_bytes_per_block(a.get(), kChunk) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK ||
      archive_write_open2(a.get(), &sink, nullptr, on_write, nullptr, nullptr) != ARCHIVE_OK)
    fail(Errc::internal, "gzip: " + archive_message(a.get(), "cannot set up compressor"));
  std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_pathname(e.get(), "layer");
  if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK)
    fail(Errc::internal, "gzip: " + archive_message(a.get(), "cannot start stream"));
  std::unique_ptr<char[]> buf(new char[kChunk]);
  for (;;) {
    ssize_t n = ::read(src_fd, buf.get(), kChunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(Errc::internal, std::string("read blob: ") + ::strerror(errno));
    }
    if (n == 0) break;
    if (archive_write_data(a.get(), buf.get(), static_cast<size_t>(n)) != n)
      fail(Errc::internal, "gzip: " + archive_message(a.get(), "write failed"));
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK)
    fail(Errc::internal, "gzip: " + archive_message(a.get(), "write failed"));
  if (sink.err != 0) fail(Errc::internal, std::string("write temp file: ") + ::strerror(sink.err));
  out.digest = sink.hash.finish();
  out.size = sink.size;
  return out;
}

}  // namespace berth::core::images
