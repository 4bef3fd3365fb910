// A small WWW-Authenticate parser: a scheme token, then comma-separated name=value or name="quoted\"value".
#include "core/registry/challenge.hpp"

#include <cctype>

namespace berth::core::registry::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<Challenge> parse_challenge(std::string_view h) {
  std::size_t i = 0;
  while (i < h.size() && is_space(h[i])) ++i;
  std::size_t start = i;
  while (i < h.size() && !is_space(h[i]) && h[i] != ',') ++i;
  if (i == start) return std::nullopt;
  Challenge c;
  c.scheme = lower(h.substr(start, i - start));
  while (i < h.size()) {
    while (i < h.size() && (is_space(h[i]) || h[i] == ',')) ++i;
    std::size_t name_start = i;
    while (i < h.size() && h[i] != '=' && h[i] != ',' && !is_space(h[i])) ++i;
    std::string name = lower(h.substr(name_start, i - name_start));
    while (i < h.size() && is_space(h[i])) ++i;
    if (i >= h.size() || h[i] != '=') {
      // A bare token after the params is a second challenge: only the first one is used.
      if (!name.empty() && !c.params.empty()) break;
      continue;
    }
    ++i;
    while (i < h.size() && is_space(h[i])) ++i;
    std::string value;
    if (i < h.size() && h[i] == '"') {
      for (++i; i < h.size() && h[i] != '"'; ++i) {
        if (h[i] == '\\' && i + 1 < h.size()) ++i;
        value += h[i];
      }
      ++i;
    } else {
      while (i < h.size() && h[i] != ',' && !is_space(h[i])) value += h[i++];
    }
    if (!name.empty()) c.params[name] = value;
  }
  return c;
}

}  // namespace berth::core::registry::detail
