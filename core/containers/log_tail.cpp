// Tail scan: 1 MiB blocks read backwards with memrchr, so tail N of a huge log costs about N lines of I/O.
#include "core/containers/log_tail.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/containers/log_record.hpp"
#include "core/error.hpp"

namespace berth::core::containers {

namespace {

constexpr std::int64_t kBlock = 1 << 20;
// More than any record header ("<ts> stdout F "), so the tag is always inside a view of this length.
constexpr std::int64_t kHeader = 256;

void read_at(int fd, char* out, std::int64_t len, std::int64_t offset) {
  while (len > 0) {
    ssize_t n = ::pread(fd, out, static_cast<std::size_t>(len), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(Errc::internal, std::strerror(errno), "reading container log");
    // The file shrank under us (conmon truncated it): the missing bytes read as nothing, which is harmless.
    if (n == 0) {
      std::memset(out, 0, static_cast<std::size_t>(len));
      return;
    }
    out += n;
    len -= n;
    offset += n;
  }
}

// A window of the file that slides towards its start, one block at a time.
class BackReader {
 public:
  explicit BackReader(int fd) : fd_(fd), block_(kBlock) {}

  // Position of the last '\n' in [0, hi), or -1.
  std::int64_t rfind_newline(std::int64_t hi) {
    if (hi <= lo_ || hi > hi_) load(hi);
    while (true) {
      if (const void* p = ::memrchr(block_.data(), '\n', static_cast<std::size_t>(hi - lo_)))
        return lo_ + (static_cast<const char*>(p) - block_.data());
      if (lo_ == 0) return -1;
      hi = lo_;
      load(hi);
    }
  }

  // The bytes [from, from + len), from the window when they are in it.
  std::string_view view(std::int64_t from, std::int64_t len) {
    if (from >= lo_ && from + len <= hi_) return {block_.data() + (from - lo_), static_cast<std::size_t>(len)};
    header_.resize(static_cast<std::size_t>(len));
    read_at(fd_, header_.data(), len, from);
    return {header_.data(), header_.size()};
  }

 private:
  void load(std::int64_t hi) {
    lo_ = std::max<std::int64_t>(0, hi - kBlock);
    hi_ = hi;
    read_at(fd_, block_.data(), hi_ - lo_, lo_);
  }

  int fd_;
  std::vector<char> block_;
  std::string header_;
  std::int64_t lo_ = 0, hi_ = 0;
};

}  // namespace

std::int64_t log_tail_start(int fd, std::int64_t size, std::int64_t lines) {
  if (lines <= 0) return size;
  if (size <= 0) return 0;
  BackReader reader(fd);
  // Walk records from the last one back; each record is [start, end) with end past its '\n' (the last one may
  // still be unterminated while conmon writes it).
  std::int64_t end = size;
  std::int64_t content_end = reader.view(size - 1, 1)[0] == '\n' ? size - 1 : size;
  std::int64_t counted = 0;
  bool last = true;  // no well-formed record after this one yet
  while (true) {
    std::int64_t nl = reader.rfind_newline(content_end);
    std::int64_t start = nl + 1;
    RecordKind kind = record_kind(reader.view(start, std::min(content_end - start, kHeader)));
    if (kind == RecordKind::full || (kind == RecordKind::partial && last)) {
      if (++counted > lines) return end;
    }
    if (kind != RecordKind::malformed) last = false;
    if (nl < 0) return 0;
    end = start;
    content_end = nl;
  }
}

}  // namespace berth::core::containers
