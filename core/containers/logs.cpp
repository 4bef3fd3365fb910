// open_log and log_chunks: the public entry points; the work is in log_record (parsing), log_tail (tail scan)
// and log_source. Also the per-second cache of formatted record times.
#include "core/containers/logs.hpp"

#include <cstring>
#include <ctime>

#include "core/containers/log_source.hpp"

namespace berth::core::containers {

namespace {

using streams::Chunk;
using streams::Poll;

// A chunk stops growing past this: big enough that the per-item costs (virtual calls, one socket write per
// chunk) vanish, small enough to keep a stream's memory bounded.
constexpr std::size_t kChunkBytes = 256 * 1024;

class LogChunkSource final : public streams::Source<Chunk> {
 public:
  LogChunkSource(std::unique_ptr<streams::Source<LogLine>> lines, LogShape shape)
      : lines_(std::move(lines)), fast_(dynamic_cast<LogSource*>(lines_.get())), shape_(std::move(shape)) {}

  int wait_fd() const override { return lines_->wait_fd(); }

  // What was gathered goes out as an item even when the source then said pending or end; that answer comes
  // again on the next call (a LogSource repeats both).
  Poll next(Chunk& out) override {
    out.stream = 1;
    out.data.clear();
    Poll p;
    while ((p = next_record()) == Poll::item) {
      shape_(out.data, record_);
      if (out.data.size() >= kChunkBytes) return Poll::item;
    }
    if (p == Poll::end) ended_ = true;
    return out.data.empty() ? p : Poll::item;
  }

 private:
  Poll next_record() {
    if (ended_) return Poll::end;
    if (fast_) return fast_->next_record(record_);
    // Any other source (a fake): one LogLine at a time, viewed.
    Poll p = lines_->next(line_);
    if (p == Poll::item)
      record_ =
          LogRecordView{.stream = line_.stream, .time_ns = line_.time_ns, .text = line_.data, .partial = line_.partial};
    return p;
  }

  std::unique_ptr<streams::Source<LogLine>> lines_;
  LogSource* fast_;
  LogShape shape_;
  LogRecordView record_;
  LogLine line_;
  bool ended_ = false;  // a fake may not repeat its end
};

void put_digits(char* at, std::int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::unique_ptr<streams::Source<LogLine>> open_log(const std::string& path, const LogOptions& opts,
                                                   std::function<bool()> exited) {
  return std::make_unique<LogSource>(path, opts, std::move(exited));
}

std::unique_ptr<streams::Source<Chunk>> log_chunks(std::unique_ptr<streams::Source<LogLine>> lines, LogShape shape) {
  return std::make_unique<LogChunkSource>(std::move(lines), std::move(shape));
}

void LogTimeFormat::append(std::string& out, std::int64_t ns, bool nanos) {
  constexpr std::int64_t kSecond = 1'000'000'000;
  std::int64_t secs = ns / kSecond, frac = ns % kSecond;
  if (frac < 0) {  // floor, so times before 1970 still print their own second
    frac += kSecond;
    --secs;
  }
  if (!valid_ || secs != secs_) {
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    prefix_len_ = std::strftime(prefix_, sizeof prefix_, "%Y-%m-%dT%H:%M:%S", &tm);
    secs_ = secs;
    valid_ = true;
  }
  char buf[sizeof prefix_ + 11];
  std::memcpy(buf, prefix_, prefix_len_);
  std::size_t n = prefix_len_;
  if (nanos) {
    buf[n++] = '.';
    put_digits(buf + n, frac, 9);
    n += 9;
  }
  buf[n++] = 'Z';
  out.append(buf, n);
}

}  // namespace berth::core::containers
