// WWW-Authenticate challenges (RFC 7235) as registries send them: `Bearer realm="…",service="…",scope="…"` or
// `Basic realm="…"`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace berth::core::registry::detail {

struct Challenge {
  std::string scheme;                         // lowercase: "bearer", "basic"
  std::map<std::string, std::string> params;  // lowercase names: realm, service, scope, error

  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

// The first challenge of a header value; nullopt when it has no scheme.
std::optional<Challenge> parse_challenge(std::string_view header);

}  // namespace berth::core::registry::detail
