// base64 for Basic auth headers, auth.json "auth" values and X-Registry-Auth (base64url).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace berth::core::registry::detail {

std::string base64_encode(std::string_view bytes);
// Standard or URL-safe alphabet, padding optional, whitespace around it ignored. nullopt when `text` is not base64;
// *bad_offset (when given) is then the offending byte's index.
std::optional<std::string> base64_decode(std::string_view text, std::size_t* bad_offset = nullptr);

}  // namespace berth::core::registry::detail
