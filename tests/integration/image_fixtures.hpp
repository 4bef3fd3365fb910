// Test images made from busybox-static, and tarballs (honest and hostile) built in memory with libarchive.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace berth::test {

struct TarEntry {
  enum class Kind { file, dir, symlink, hardlink };
  std::string path;
  Kind kind = Kind::file;
  std::string content;  // file data
  std::string link;     // symlink target or hardlink source
  unsigned mode = 0644;
};

enum class TarCompression { none, gzip };

// A tar stream of `entries`, in order.
inline std::string make_tar(const std::vector<TarEntry>& entries, TarCompression compression = TarCompression::none) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (compression == TarCompression::gzip) archive_write_add_filter_gzip(a);
  archive_write_set_bytes_in_last_block(a, 1);
  auto open_cb = [](struct archive*, void*) -> int { return ARCHIVE_OK; };
  auto write_cb = [](struct archive*, void* self, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(self)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  auto close_cb = [](struct archive*, void*) -> int { return ARCHIVE_OK; };
  if (archive_write_open(a, &out, open_cb, write_cb, close_cb) != ARCHIVE_OK)
    throw std::runtime_error("archive_write_open failed");
  for (const auto& e : entries) {
    struct archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.path.c_str());
    archive_entry_set_mtime(ae, 1700000000, 0);
    switch (e.kind) {
      case TarEntry::Kind::file:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_size(ae, static_cast<long long>(e.content.size()));
        break;
      case TarEntry::Kind::dir:
        archive_entry_set_filetype(ae, AE_IFDIR);
        break;
      case TarEntry::Kind::symlink:
        archive_entry_set_filetype(ae, AE_IFLNK);
        archive_entry_set_symlink(ae, e.link.c_str());
        break;
      case TarEntry::Kind::hardlink:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_hardlink(ae, e.link.c_str());
        break;
    }
    archive_entry_set_perm(ae, e.kind == TarEntry::Kind::dir && e.mode == 0644 ? 0755 : e.mode);
    if (archive_write_header(a, ae) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
    if (!e.content.empty()) archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// The tar `tar` (one plain ustar entry first) with that entry's header claiming `size` bytes, cut right after its
// first data block: an upload that promises far more than it sends.
inline std::string claim_size(std::string tar, long long size) {
  char field[16];
  std::snprintf(field, sizeof field, "%011llo", size);
  std::memcpy(&tar[124], field, 12);  // eleven digits and a NUL
  std::memset(&tar[148], ' ', 8);     // the checksum counts its own field as spaces
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += static_cast<unsigned char>(tar[i]);
  std::snprintf(field, sizeof field, "%06o", sum);
  std::memcpy(&tar[148], field, 7);  // six digits and a NUL, then the space already there
  return tar.substr(0, 1024);
}

inline std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A root filesystem with busybox-static as /bin/busybox, /bin/sh → busybox, and /marker holding `marker`, so that
// each distinct marker makes a distinct image ID.
inline std::string busybox_rootfs_tar(const std::string& marker) {
  static const std::string busybox = read_file_bytes("/bin/busybox");
  return make_tar({
      {"bin", TarEntry::Kind::dir, "", "", 0755},
      {"bin/busybox", TarEntry::Kind::file, busybox, "", 0755},
      {"bin/sh", TarEntry::Kind::symlink, "", "busybox", 0777},
      {"etc", TarEntry::Kind::dir, "", "", 0755},
      {"marker", TarEntry::Kind::file, marker + "\n", "", 0644},
  });
}

}  // namespace berth::test
