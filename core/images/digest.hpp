// Digest (a validated "sha256:<hex>" content address) and Sha256, an incremental hasher on OpenSSL EVP.
#pragma once

#include <compare>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace berth::core::images {

// Only sha256 is accepted: it is the one algorithm podman and docker write, and one algorithm keeps the blob
// layout ($ROOT/blobs/sha256/<hex>) fixed.
class Digest {
 public:
  // Parses "sha256:<64 lowercase hex>"; anything else → Errc::invalid_argument.
  static Digest parse(std::string_view text);
  // Builds from a bare 64-character lowercase hex string; anything else → Errc::invalid_argument.
  static Digest from_hex(std::string_view hex);
  // True when `text` would parse.
  static bool valid(std::string_view text) noexcept;

  std::string_view algorithm() const { return "sha256"; }
  const std::string& hex() const { return hex_; }
  std::string str() const { return "sha256:" + hex_; }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

// True when `hex` is exactly 64 lowercase hex characters.
bool is_sha256_hex(std::string_view hex) noexcept;

// Incremental sha256. The EVP context is created on the first update()/finish(), so building a Sha256 (or
// merely linking this file) never touches OpenSSL.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // Returns the digest of everything fed so far and resets the hasher for reuse.
  Digest finish();

  // One-shot convenience.
  static Digest of(std::string_view bytes);

 private:
  struct Ctx;
  void ensure();
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace berth::core::images
