// The digest of a layer's decompressed bytes (its diff_id), computed while its compressed bytes stream into a blob,
// so a layer is read once: shared by archive spooling (which pulls its bytes) and downloads (which are pushed them).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/images/archive_codec.hpp"
#include "core/images/digest.hpp"

namespace berth::core::images {

// The next chunk of a stream; empty at its end. A chunk must stay valid until the next call (libarchive's
// read-callback contract).
using ChunkSource = std::function<std::string_view()>;
// Receives the decoded bytes, in order, as they are hashed.
using DecodedSink = std::function<void(std::string_view)>;

// Pulls `next` until the stream ends, decoding gzip or zstd (libarchive's in-process filters) and hashing the
// decoded bytes. Returns nullopt with *error set when the stream does not decode; then it may stop pulling early.
// Exceptions from `next` are rethrown once libarchive has let go. `sink`, when set, sees every decoded byte.
std::optional<Digest> decoded_digest(const ChunkSource& next, std::string* error, const DecodedSink& sink = {});

// The push side of decoded_digest, for bytes handed over in callbacks: feed() the raw stream, finish() gives the
// digest of the decoded stream (of the bytes themselves when uncompressed). A compressed stream is decoded on a
// helper thread fed through a small bounded queue, since libarchive reads by pulling. `sink`, when set, is handed
// the decoded bytes (on that helper thread for a compressed stream, in feed() for a plain one), so a layer can be
// extracted from the same single decode.
class DiffDigester {
 public:
  explicit DiffDigester(DecodedSink sink = {}) : sink_(std::move(sink)) {}
  ~DiffDigester();
  DiffDigester(const DiffDigester&) = delete;
  DiffDigester& operator=(const DiffDigester&) = delete;

  void feed(std::string_view bytes);
  // nullopt with error() set when the stream looked compressed but did not decode, or is xz/bzip2 (no layer
  // media type names those).
  std::optional<Digest> finish();
  Compression compression() const { return compression_; }
  const std::string& error() const { return error_; }

 private:
  void start();
  void push(std::string chunk);
  std::string_view pull();
  void stop() noexcept;

  DecodedSink sink_;
  bool started_ = false;
  std::string head_;  // the first bytes, kept until there are enough to sniff
  Compression compression_ = Compression::none;
  Sha256 plain_;
  std::string error_;

  // Producer/decoder hand-over.
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::size_t queued_ = 0;
  bool closed_ = false;   // no more input
  bool stopped_ = false;  // the decoder returned: further input is dropped
  std::string current_;   // the chunk the decoder holds
  std::optional<Digest> decoded_;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace berth::core::images
