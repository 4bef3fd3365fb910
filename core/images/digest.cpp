// Digest parsing/validation and the OpenSSL EVP-backed Sha256 hasher.
#include "core/images/digest.hpp"

#include <openssl/evp.h>

#include "core/error.hpp"

namespace berth::core::images {

namespace {
constexpr std::string_view kPrefix = "sha256:";
constexpr std::size_t kHexLen = 64;
}  // namespace

bool is_sha256_hex(std::string_view hex) noexcept {
  if (hex.size() != kHexLen) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool Digest::valid(std::string_view text) noexcept {
  return text.starts_with(kPrefix) && is_sha256_hex(text.substr(kPrefix.size()));
}

Digest Digest::parse(std::string_view text) {
  if (!valid(text)) {
    // Name an unsupported algorithm separately, as containers/image does, so the user sees what was wrong.
    auto colon = text.find(':');
    if (colon != std::string_view::npos && text.substr(0, colon) != "sha256" && colon > 0) {
      fail(Errc::invalid_argument, "unsupported digest algorithm", std::string(text));
    }
    fail(Errc::invalid_argument, "invalid digest", std::string(text));
  }
  return Digest(std::string(text.substr(kPrefix.size())));
}

Digest Digest::from_hex(std::string_view hex) {
  if (!is_sha256_hex(hex)) fail(Errc::invalid_argument, "invalid digest", std::string(hex));
  return Digest(std::string(hex));
}

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() {
    if (md != nullptr) EVP_MD_CTX_free(md);
  }
};

Sha256::Sha256() = default;
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::ensure() {
  if (ctx_) return;
  auto ctx = std::make_unique<Ctx>();
  ctx->md = EVP_MD_CTX_new();
  if (ctx->md == nullptr || EVP_DigestInit_ex(ctx->md, EVP_sha256(), nullptr) != 1) {
    fail(Errc::internal, "sha256 init failed");
  }
  ctx_ = std::move(ctx);
}

void Sha256::update(std::string_view bytes) {
  ensure();
  if (bytes.empty()) return;
  if (EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size()) != 1) fail(Errc::internal, "sha256 update failed");
}

Digest Sha256::finish() {
  ensure();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->md, out, &len) != 1) fail(Errc::internal, "sha256 final failed");
  // Reset so a caller may reuse the hasher; a failure here would only bite on reuse, so drop the context instead.
  if (EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1) ctx_.reset();
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex += kDigits[out[i] >> 4];
    hex += kDigits[out[i] & 0xf];
  }
  return Digest::from_hex(hex);
}

Digest Sha256::of(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

}  // namespace berth::core::images
