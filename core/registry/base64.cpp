// base64: encoding on OpenSSL's EVP_EncodeBlock, decoding by hand (both alphabets, optional padding).
#include "core/registry/base64.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <cstdint>

namespace berth::core::registry::detail {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

namespace {

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

// By hand rather than EVP_DecodeBlock: X-Registry-Auth is base64url, often without padding, and its errors name
// the offending byte as Go's decoder does.
std::optional<std::string> base64_decode(std::string_view text, std::size_t* bad_offset) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  auto bad = [&](std::size_t at) -> std::optional<std::string> {
    if (bad_offset != nullptr) *bad_offset = at;
    return std::nullopt;
  };
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  int count = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != '='; ++i) {
    int v = sextet(text[i]);
    if (v < 0) return bad(i);
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xff);
      out += static_cast<char>((bits >> 8) & 0xff);
      out += static_cast<char>(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  if (count == 1) return bad(i);
  if (count == 2) out += static_cast<char>((bits >> 4) & 0xff);
  if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xff);
    out += static_cast<char>((bits >> 2) & 0xff);
  }
  for (; i < text.size(); ++i)  // only padding may follow
    if (text[i] != '=') return bad(i);
  return out;
}

}  // namespace berth::core::registry::detail
