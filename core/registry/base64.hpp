// Standard base64 (OpenSSL's EVP block codec) for Basic auth headers and auth.json "auth" values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace berth::core::registry::detail {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid base64 (whitespace around it is ignored).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace berth::core::registry::detail
