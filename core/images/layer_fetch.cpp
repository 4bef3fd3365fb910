// fetch_layer: RegistryClient::get_blob into a BlobWriter and a DiffDigester side by side, the digester's decoded
// bytes piped to an extraction thread.
#include "core/images/layer_fetch.hpp"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <thread>

#include "core/error.hpp"
#include "core/images/stream_digest.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::images {

namespace {

constexpr std::uint64_t kSmallBlobCap = 16 << 20;
constexpr std::uint64_t kProgressBytes = 512 << 10;
constexpr auto kProgressInterval = std::chrono::milliseconds(100);

constexpr int kExtractPipeBytes = 1 << 20;

// LayerStore::stage on a thread of its own, reading a pipe that write() fills. The thread reads the pipe to its end
// whatever happens (the tar's trailing padding, everything after a bad entry), so a writer never blocks on a reader
// that is gone nor sees EPIPE.
class PipedExtraction {
 public:
  explicit PipedExtraction(const LayerStore& layers) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail(Errc::internal, std::string("pipe: ") + ::strerror(errno));
    read_.reset(fds[0]);
    write_.reset(fds[1]);
    ::fcntl(write_.get(), F_SETPIPE_SZ, kExtractPipeBytes);  // fewer wake-ups; the default size works too
    thread_ = std::thread([this, &layers] {
      try {
        staged_.emplace(layers.stage(read_.get()));
      } catch (...) {
        error_ = std::current_exception();
      }
      char sink[1 << 16];
      for (;;) {
        ssize_t n = ::read(read_.get(), sink, sizeof sink);
        if (n == 0 || (n < 0 && errno != EINTR)) break;
      }
    });
  }
  PipedExtraction(const PipedExtraction&) = delete;
  PipedExtraction& operator=(const PipedExtraction&) = delete;
  ~PipedExtraction() { finish(); }

  void write(std::string_view bytes) {
    while (!bytes.empty() && write_) {
      ssize_t n = ::write(write_.get(), bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        write_.reset();  // cannot happen while the reader drains; the extraction then fails on a short stream
        return;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Ends the stream and waits for the extraction to end.
  void finish() noexcept {
    write_.reset();
    if (thread_.joinable()) thread_.join();
  }

  std::optional<StagedLayer>& staged() { return staged_; }
  std::exception_ptr error() const { return error_; }

 private:
  sys::Fd read_;
  sys::Fd write_;
  std::optional<StagedLayer> staged_;
  std::exception_ptr error_;
  std::thread thread_;
};

[[noreturn]] void oversized(const Descriptor& desc) {
  fail(Errc::invalid_argument, "blob is larger than its descriptor says (" + std::to_string(desc.size) + " bytes)",
       desc.digest.str());
}

}  // namespace

FetchedLayer fetch_layer(registry::RegistryClient& client, std::string_view repo, const Descriptor& desc,
                         const BlobStore& blobs, const LayerStore* extract_into,
                         const std::function<void(std::uint64_t)>& progress, const std::function<void()>& check) {
  BlobWriter writer = blobs.writer();
  std::optional<PipedExtraction> extraction;
  if (extract_into != nullptr) extraction.emplace(*extract_into);
  // Declared after `extraction`, so an unwinding fetch stops the decoder before the pipe's reader goes.
  DiffDigester diff(extraction ? DecodedSink([&](std::string_view b) { extraction->write(b); }) : DecodedSink());
  client.get_blob(repo, desc.digest, [&](std::string_view chunk) {
    if (check) check();
    // A registry (or a man in the middle) streaming without end must not fill the disk.
    if (writer.size() + chunk.size() > desc.size) oversized(desc);
    writer.write(chunk);
    diff.feed(chunk);
    if (progress) progress(writer.size());
  });
  if (writer.size() != desc.size) {
    fail(Errc::invalid_argument,
         "blob is " + std::to_string(writer.size()) + " bytes, its descriptor says " + std::to_string(desc.size),
         desc.digest.str());
  }
  FetchedLayer out{.blob = desc.digest, .size = writer.size()};
  out.diff_id = diff.finish();
  out.compression = diff.compression();
  if (!out.diff_id) out.decode_error = diff.error();
  out.blob = writer.commit(desc.digest);
  if (extraction) {
    extraction->finish();
    out.staged = std::move(extraction->staged());
    out.extract_error = extraction->error();
  }
  return out;
}

std::string fetch_small_blob(registry::RegistryClient& client, std::string_view repo, const Descriptor& desc) {
  if (desc.size > kSmallBlobCap) oversized(desc);
  std::string bytes;
  client.get_blob(repo, desc.digest, [&](std::string_view chunk) {
    if (bytes.size() + chunk.size() > desc.size) oversized(desc);
    bytes.append(chunk);
  });
  if (Sha256::of(bytes) != desc.digest) fail(Errc::invalid_argument, "digest mismatch", desc.digest.str());
  return bytes;
}

bool ProgressThrottle::due(std::uint64_t done) {
  auto now = std::chrono::steady_clock::now();
  if (done - last_bytes_ < kProgressBytes && now - last_time_ < kProgressInterval) return false;
  last_bytes_ = done;
  last_time_ = now;
  return true;
}

std::string short_hex(const Digest& d) { return d.hex().substr(0, 12); }

}  // namespace berth::core::images
