// BlobStore and BlobWriter: hash-while-writing into ingest/, fsync, verify, atomic rename, fsync of the directory.
#include "core/images/blob_store.hpp"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

#include "core/error.hpp"

namespace berth::core::images {

namespace {

[[noreturn]] void fail_errno(std::string_view what, const std::string& path, int err) {
  std::string cause = std::string(what) + " " + path + ": " + ::strerror(err);
  fail(Errc::internal, cause);
}

void make_dirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(Errc::internal, "create " + dir + ": " + ec.message());
}

// A rename is only durable once the directory holding the new entry is synced.
constexpr std::uint64_t kWritebackBytes = 8 << 20;

void fsync_dir(const std::string& dir) {
  sys::Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) fail_errno("open", dir, errno);
  if (::fsync(fd.get()) != 0) fail_errno("fsync", dir, errno);
}

[[noreturn]] void not_found(const Digest& d) { fail(Errc::not_found, "blob unknown to registry", d.str()); }

}  // namespace

BlobWriter::BlobWriter(const BlobStore* store, sys::Fd fd, std::string temp)
    : store_(store), fd_(std::move(fd)), temp_(std::move(temp)) {}

BlobWriter::BlobWriter(BlobWriter&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)),
      fd_(std::move(other.fd_)),
      temp_(std::exchange(other.temp_, {})),
      hash_(std::move(other.hash_)),
      size_(std::exchange(other.size_, 0)),
      flushed_(std::exchange(other.flushed_, 0)) {}

BlobWriter& BlobWriter::operator=(BlobWriter&& other) noexcept {
  if (this != &other) {
    abandon();
    store_ = std::exchange(other.store_, nullptr);
    fd_ = std::move(other.fd_);
    temp_ = std::exchange(other.temp_, {});
    hash_ = std::move(other.hash_);
    size_ = std::exchange(other.size_, 0);
    flushed_ = std::exchange(other.flushed_, 0);
  }
  return *this;
}

BlobWriter::~BlobWriter() { abandon(); }

void BlobWriter::abandon() noexcept {
  fd_.reset();
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
  store_ = nullptr;
}

void BlobWriter::write(std::string_view bytes) {
  if (!fd_) fail(Errc::internal, "write to a committed or abandoned blob writer");
  hash_.update(bytes);
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      std::string temp = temp_;
      abandon();
      fail_errno("write", temp, err);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    size_ += static_cast<std::uint64_t>(n);
  }
  // Start writeback of each full stretch now, so commit's fsync waits only for the tail, not the whole blob.
  if (size_ - flushed_ >= kWritebackBytes) {
    ::sync_file_range(fd_.get(), static_cast<off_t>(flushed_), static_cast<off_t>(size_ - flushed_),
                      SYNC_FILE_RANGE_WRITE);
    flushed_ = size_;
  }
}

Digest BlobWriter::commit(const std::optional<Digest>& expected) {
  if (!fd_ || store_ == nullptr) fail(Errc::internal, "commit of a committed or abandoned blob writer");
  if (::fsync(fd_.get()) != 0) {
    int err = errno;
    std::string temp = temp_;
    abandon();
    fail_errno("fsync", temp, err);
  }
  fd_.reset();
  Digest got = hash_.finish();
  if (expected && *expected != got) {
    abandon();
    fail(Errc::invalid_argument, "digest mismatch: expected " + expected->str() + ", got " + got.str());
  }
  const BlobStore* store = store_;
  std::string final_path = store->path(got);
  if (store->has(got)) {
    // Same digest means same content: keep the existing file, whose path readers may already hold.
    abandon();
    return got;
  }
  if (::rename(temp_.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    abandon();
    fail_errno("rename to", final_path, err);
  }
  temp_.clear();  // now owned by the store; abandon() must not unlink it
  store_ = nullptr;
  fsync_dir(store->blob_dir());
  return got;
}

BlobStore::BlobStore(std::string root) : root_(std::move(root)) {
  make_dirs(blob_dir());
  make_dirs(ingest_dir());
}

std::size_t BlobStore::sweep_ingest() const {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ingest_dir(), ec)) {
    std::error_code rm_ec;
    if (std::filesystem::remove_all(entry.path(), rm_ec) > 0 && !rm_ec) ++removed;
  }
  if (ec) fail(Errc::internal, "sweep " + ingest_dir() + ": " + ec.message());
  return removed;
}

BlobWriter BlobStore::writer() const {
  std::string temp = ingest_dir() + "/blob-XXXXXX";
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) fail_errno("create ingest file in", ingest_dir(), errno);
  return BlobWriter(this, sys::Fd(fd), std::move(temp));
}

Digest BlobStore::put(std::string_view bytes) const {
  BlobWriter w = writer();
  w.write(bytes);
  return w.commit();
}

std::string BlobStore::path(const Digest& d) const { return blob_dir() + "/" + d.hex(); }

bool BlobStore::has(const Digest& d) const {
  struct stat st {};
  return ::stat(path(d).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

sys::Fd BlobStore::open(const Digest& d) const {
  std::string p = path(d);
  sys::Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) not_found(d);
    fail_errno("open", p, errno);
  }
  return fd;
}

std::optional<std::string> BlobStore::read(const Digest& d) const {
  std::string p = path(d);
  sys::Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    fail_errno("open", p, errno);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("read", p, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::uint64_t BlobStore::size(const Digest& d) const {
  struct stat st {};
  std::string p = path(d);
  if (::stat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) not_found(d);
    fail_errno("stat", p, errno);
  }
  return static_cast<std::uint64_t>(st.st_size);
}

void BlobStore::remove(const Digest& d) const {
  std::string p = path(d);
  if (::unlink(p.c_str()) != 0) {
    if (errno == ENOENT) return;
    fail_errno("remove", p, errno);
  }
  fsync_dir(blob_dir());
}

}  // namespace berth::core::images
