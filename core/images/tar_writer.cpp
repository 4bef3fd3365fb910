// TarWriter: ustar headers written by hand (a libarchive writer would copy every byte through its own buffers),
// blob bytes moved with splice(2) into pipes and read/write elsewhere.
#include "core/images/tar_writer.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.hpp"

namespace berth::core::images {
namespace {

constexpr std::size_t kBlock = 512;
constexpr std::size_t kCopyChunk = 1 << 20;

// Octal, zero padded, NUL terminated, as ustar wants; values that do not fit use the GNU/star base-256 form
// (high bit set, big-endian binary), which every tar reader in use understands.
void put_number(char* field, std::size_t width, std::uint64_t value) {
  std::uint64_t limit = std::uint64_t{1} << (3 * (width - 1));
  if (value < limit) {
    std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
    return;
  }
  std::memset(field, 0, width);
  for (std::size_t i = width; i-- > 1 && value != 0; value >>= 8) field[i] = static_cast<char>(value & 0xff);
  field[0] = static_cast<char>(0x80);
}

void put_string(char* field, std::size_t width, std::string_view s) {
  std::memcpy(field, s.data(), std::min(width, s.size()));
}

std::size_t padding(std::uint64_t size) { return static_cast<std::size_t>((kBlock - size % kBlock) % kBlock); }

// One 512-byte ustar header block.
std::string ustar_block(std::string_view name, char type, std::uint64_t size, unsigned mode) {
  std::array<char, kBlock> b{};
  put_string(&b[0], 100, name);
  put_number(&b[100], 8, mode);
  put_number(&b[108], 8, 0);  // uid
  put_number(&b[116], 8, 0);  // gid
  put_number(&b[124], 12, size);
  put_number(&b[136], 12, 0);  // mtime
  b[156] = type;
  put_string(&b[257], 6, std::string_view("ustar\0", 6));
  put_string(&b[263], 2, "00");
  std::memset(&b[148], ' ', 8);
  unsigned sum = 0;
  for (char c : b) sum += static_cast<unsigned char>(c);
  std::snprintf(&b[148], 7, "%06o", sum);
  b[155] = ' ';
  return std::string(b.data(), b.size());
}

// A PAX record "<len> path=<name>\n", where <len> counts the whole record including its own digits.
std::string pax_path_record(std::string_view name) {
  std::string body = " path=" + std::string(name) + "\n";
  std::size_t len = body.size() + 1;
  while (std::to_string(len).size() + body.size() != len) ++len;
  return std::to_string(len) + body;
}

[[noreturn]] void output_failed(int err) {
  if (err == EPIPE || err == ECONNRESET) fail(Errc::unavailable, "client went away");
  fail(Errc::internal, std::string("write image archive: ") + ::strerror(err));
}

}  // namespace

void TarWriter::header(std::string& out, std::string_view name, char type, std::uint64_t size, unsigned mode) const {
  if (name.size() > 100) {
    std::string rec = pax_path_record(name);
    out += ustar_block("PaxHeaders/" + std::string(name.substr(0, 80)), 'x', rec.size(), 0644);
    out += rec;
    out.append(padding(rec.size()), '\0');
  }
  out += ustar_block(name.substr(0, 100), type, size, mode);
}

void TarWriter::add_dir(std::string_view name) {
  std::string out;
  header(out, std::string(name) + "/", '5', 0, 0755);
  write_all(out);
}

void TarWriter::add_bytes(std::string_view name, std::string_view data) {
  std::string out;
  header(out, name, '0', data.size(), 0644);
  out += data;
  out.append(padding(data.size()), '\0');
  write_all(out);
}

void TarWriter::add_file(std::string_view name, int fd, std::uint64_t size) {
  std::string out;
  header(out, name, '0', size, 0644);
  write_all(out);
  copy_file(fd, size);
  write_all(std::string(padding(size), '\0'));
}

void TarWriter::finish() { write_all(std::string(2 * kBlock, '\0')); }

// The output may be non-blocking (an HTTP connection's pipe); wait instead of failing with EAGAIN.
void TarWriter::wait_writable() {
  pollfd p{.fd = out_, .events = POLLOUT};
  while (::poll(&p, 1, -1) < 0) {
    if (errno != EINTR) output_failed(errno);
  }
}

void TarWriter::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(out_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        wait_writable();
        continue;
      }
      output_failed(errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    written_ += static_cast<std::uint64_t>(n);
  }
}

void TarWriter::copy_file(int fd, std::uint64_t size) {
  loff_t off = 0;
  std::uint64_t left = size;
  // splice moves page-cache pages into the pipe without copying them through user space.
  while (left > 0 && splice_ok_) {
    ssize_t n = ::splice(fd, &off, out_, nullptr, std::min<std::uint64_t>(left, kCopyChunk), SPLICE_F_MORE);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        wait_writable();
        continue;
      }
      if (errno == EINVAL || errno == ENOSYS || errno == EBADF) {
        splice_ok_ = false;  // not a pipe: fall back to read/write from where splice stopped
        break;
      }
      output_failed(errno);
    }
    if (n == 0) fail(Errc::internal, "blob file shorter than its recorded size");
    left -= static_cast<std::uint64_t>(n);
    written_ += static_cast<std::uint64_t>(n);
  }
  if (left == 0) return;
  std::unique_ptr<char[]> buf(new char[kCopyChunk]);
  while (left > 0) {
    ssize_t n = ::pread(fd, buf.get(), std::min<std::uint64_t>(left, kCopyChunk), off);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(Errc::internal, std::string("read blob: ") + ::strerror(errno));
    }
    if (n == 0) fail(Errc::internal, "blob file shorter than its recorded size");
    write_all(std::string_view(buf.get(), static_cast<std::size_t>(n)));
    off += n;
    left -= static_cast<std::uint64_t>(n);
  }
}

}  // namespace berth::core::images
