// API versions: the /v{X}[.{Y}[.{Z}]] prefix, the range each tree serves, and the versions berthd reports.
#pragma once

#include <array>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/headers.hpp"

namespace berth::http {

enum class Tree { compat, libpod };

struct ApiVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  auto operator<=>(const ApiVersion&) const = default;
  // "1.41" for compat-style versions, "4.3.1" with patch.
  std::string str(bool with_patch = false) const;
};

// Parses "1.41", "4.3.1", "4" (missing parts are 0); nullopt when it is not digits and dots.
std::optional<ApiVersion> parse_version(std::string_view text);

// The docker API berthd speaks: what podman 4.3.1 reports, so docker CLI 28 negotiates down to it.
inline constexpr ApiVersion kCompatApi{1, 41, 0};
inline constexpr ApiVersion kCompatMinApi{1, 24, 0};
// The libpod API: podman --remote 4.x refuses a server below 4.0.0.
inline constexpr ApiVersion kLibpodApi{4, 3, 1};
inline constexpr ApiVersion kLibpodMinApi{4, 0, 0};

// The version a request without a prefix gets.
ApiVersion default_version(Tree tree);

// Empty when the tree serves `v`, else the docker-style refusal ("client version 1.12 is too old. ...").
std::string version_refusal(Tree tree, ApiVersion v);

// The headers every response carries, in both trees: API-Version, Libpod-API-Version, Server.
void add_server_headers(Headers& headers);

// The same fields as (name, value) pairs, in that order: the session writes them without copying a Headers.
struct ServerHeader {
  std::string_view name;
  std::string_view value;
};
const std::array<ServerHeader, 3>& server_headers();

}  // namespace berth::http
