// fetch_layer: RegistryClient::get_blob into a BlobWriter and a DiffDigester side by side.
#include "core/images/layer_fetch.hpp"

#include "core/error.hpp"
#include "core/images/stream_digest.hpp"

namespace berth::core::images {

namespace {

constexpr std::uint64_t kSmallBlobCap = 16 << 20;
constexpr std::uint64_t kProgressBytes = 512 << 10;
constexpr auto kProgressInterval = std::chrono::milliseconds(100);

[[noreturn]] void oversized(const Descriptor& desc) {
  fail(Errc::invalid_argument, "blob is larger than its descriptor says (" + std::to_string(desc.size) + " bytes)",
       desc.digest.str());
}

}  // namespace

FetchedLayer fetch_layer(registry::RegistryClient& client, std::string_view repo, const Descriptor& desc,
                         const BlobStore& blobs, const std::function<void(std::uint64_t)>& progress,
                         const std::function<void()>& check) {
  BlobWriter writer = blobs.writer();
  DiffDigester diff;
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
