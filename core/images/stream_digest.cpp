// decoded_digest on a nested libarchive "raw" reader, and DiffDigester's thread hand-over.
#include "core/images/stream_digest.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <exception>
#include <memory>

#include "core/error.hpp"
#include "core/images/libarchive_ptr.hpp"

namespace berth::core::images {

namespace {

constexpr std::size_t kSniffBytes = 6;
constexpr std::size_t kQueueCap = 8 << 20;  // bytes in flight to the decoder; a download waits beyond this

struct PullState {
  const ChunkSource& next;
  std::exception_ptr failure;
};

la_ssize_t on_read(archive*, void* self, const void** buf) {
  auto* s = static_cast<PullState*>(self);
  // Exceptions must not cross libarchive's C frames: keep the first and report a read error.
  try {
    std::string_view chunk = s->next();
    *buf = chunk.data();
    return static_cast<la_ssize_t>(chunk.size());
  } catch (...) {
    s->failure = std::current_exception();
    return -1;
  }
}

}  // namespace

std::optional<Digest> decoded_digest(const ChunkSource& next, std::string* error, const DecodedSink& sink) {
  PullState state{next, nullptr};
  ArchiveReadPtr a(archive_read_new());
  if (!a) fail(Errc::internal, "out of memory");
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_format_raw(a.get());
  std::optional<Digest> out;
  archive_entry* e = nullptr;
  if (archive_read_open(a.get(), &state, nullptr, on_read, nullptr) == ARCHIVE_OK &&
      archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
    Sha256 hash;
    for (;;) {
      const void* buf = nullptr;
      size_t len = 0;
      la_int64_t off = 0;
      int r = archive_read_data_block(a.get(), &buf, &len, &off);
      if (r == ARCHIVE_EOF) {
        out = hash.finish();
        break;
      }
      if (r < ARCHIVE_WARN) break;
      std::string_view block(static_cast<const char*>(buf), len);
      hash.update(block);
      if (sink) sink(block);
    }
  }
  if (!out && error != nullptr) {
    const char* m = archive_error_string(a.get());
    *error = m ? m : "cannot decompress";
  }
  a.reset();
  if (state.failure) std::rethrow_exception(state.failure);
  return out;
}

DiffDigester::~DiffDigester() { stop(); }

void DiffDigester::feed(std::string_view bytes) {
  if (bytes.empty()) return;
  if (!started_) {
    head_.append(bytes);
    if (head_.size() >= kSniffBytes) start();
    return;
  }
  if (compression_ == Compression::none) {
    plain_.update(bytes);
    if (sink_) sink_(bytes);
  } else if (thread_.joinable()) {
    push(std::string(bytes));
  }
}

void DiffDigester::start() {
  started_ = true;
  compression_ = sniff_compression(head_);
  std::string head = std::exchange(head_, {});
  if (compression_ == Compression::none) {
    plain_.update(head);
    if (sink_) sink_(head);
    return;
  }
  if (compression_ == Compression::other) {
    error_ = "unsupported layer compression (xz or bzip2)";
    return;
  }
  push(std::move(head));
  thread_ = std::thread([this] {
    std::optional<Digest> result;
    std::string err;
    std::exception_ptr failure;
    try {
      result = decoded_digest([this] { return pull(); }, &err, sink_);
    } catch (...) {
      failure = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    decoded_ = result;
    if (!result) error_ = err.empty() ? "cannot decompress" : err;
    failure_ = failure;
    stopped_ = true;
    cv_.notify_all();
  });
}

void DiffDigester::push(std::string chunk) {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return stopped_ || queued_ < kQueueCap; });
  if (stopped_) return;  // the decoder gave up: the blob still gets every byte, the diff_id is lost
  queued_ += chunk.size();
  queue_.push_back(std::move(chunk));
  cv_.notify_all();
}

std::string_view DiffDigester::pull() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
  if (queue_.empty()) return {};
  current_ = std::move(queue_.front());
  queue_.pop_front();
  queued_ -= current_.size();
  cv_.notify_all();
  return current_;
}

void DiffDigester::stop() noexcept {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

std::optional<Digest> DiffDigester::finish() {
  if (!started_) start();
  if (compression_ == Compression::none) return plain_.finish();
  stop();
  if (failure_) std::rethrow_exception(failure_);
  return decoded_;
}

}  // namespace berth::core::images
