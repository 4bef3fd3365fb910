// BlobStore: content-addressed blobs at $ROOT/blobs/sha256/<hex>, written through $ROOT/ingest/ and verified.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/images/digest.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::images {

class BlobStore;

// Streams one blob into an ingest temp file while hashing it. commit() verifies and publishes it; a writer that is
// dropped without a successful commit removes its temp file, so only a crash leaves ingest debris (swept at start).
class BlobWriter {
 public:
  BlobWriter(BlobWriter&& other) noexcept;
  BlobWriter& operator=(BlobWriter&& other) noexcept;
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;
  ~BlobWriter();

  void write(std::string_view bytes);
  // Bytes written so far.
  std::uint64_t size() const { return size_; }
  // fsyncs, checks the digest against `expected` (mismatch → invalid_argument, temp removed), renames into place
  // (keeping an existing identical blob) and fsyncs the blob directory. The writer is spent afterwards.
  Digest commit(const std::optional<Digest>& expected = std::nullopt);

 private:
  friend class BlobStore;
  BlobWriter(const BlobStore* store, sys::Fd fd, std::string temp);
  void abandon() noexcept;

  const BlobStore* store_ = nullptr;
  sys::Fd fd_;
  std::string temp_;
  Sha256 hash_;
  std::uint64_t size_ = 0;
  std::uint64_t flushed_ = 0;  // bytes handed to writeback so far
};

class BlobStore {
 public:
  // Creates root/blobs/sha256 and root/ingest if missing.
  explicit BlobStore(std::string root);

  // Removes every file under ingest/: partial writes of a previous run. Call once at start, before any writer
  // exists, since live writers' temp files live there too. Returns how many were removed.
  std::size_t sweep_ingest() const;

  Digest put(std::string_view bytes) const;
  BlobWriter writer() const;

  bool has(const Digest& d) const;
  std::string path(const Digest& d) const;
  // The whole blob in memory, or nullopt if absent; meant for manifests and configs, not layers.
  std::optional<std::string> read(const Digest& d) const;
  // Read-only fd; absent → not_found.
  sys::Fd open(const Digest& d) const;
  // Size in bytes; absent → not_found.
  std::uint64_t size(const Digest& d) const;
  // Removes the blob; absent is not an error, so an interrupted cleanup can simply run again.
  void remove(const Digest& d) const;

  const std::string& root() const { return root_; }

 private:
  friend class BlobWriter;
  std::string blob_dir() const { return root_ + "/blobs/sha256"; }
  std::string ingest_dir() const { return root_ + "/ingest"; }

  std::string root_;
};

}  // namespace berth::core::images
