// TarWriter: a minimal streaming ustar writer for image archives, copying blob files with splice(2) when the output
// is a pipe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::core::images {

// Writes a tar stream to an fd it does not own. Entries get fixed metadata (mtime 0, uid/gid 0) so that the same
// images give the same bytes. Names longer than ustar's 100 bytes get a PAX extended header. Output errors: EPIPE
// or ECONNRESET (the reader went away) → Errc::unavailable "client went away"; others → Errc::internal.
class TarWriter {
 public:
  explicit TarWriter(int out_fd) : out_(out_fd) {}

  // A directory entry; `name` without the trailing slash.
  void add_dir(std::string_view name);
  // A regular file with these contents.
  void add_bytes(std::string_view name, std::string_view data);
  // A regular file of `size` bytes copied from `fd` starting at offset 0 (fd's own offset is not used). A file that
  // turns out shorter than `size` → Errc::internal.
  void add_file(std::string_view name, int fd, std::uint64_t size);
  // The two zero blocks that end a tar stream.
  void finish();

  std::uint64_t bytes_written() const { return written_; }

 private:
  // Appends the header block(s) of an entry to `out`.
  void header(std::string& out, std::string_view name, char type, std::uint64_t size, unsigned mode) const;
  void write_all(std::string_view bytes);
  void copy_file(int fd, std::uint64_t size);
  void wait_writable();

  int out_;
  std::uint64_t written_ = 0;
  bool splice_ok_ = true;  // cleared once splice(2) refuses this output (not a pipe)
};

}  // namespace berth::core::images
