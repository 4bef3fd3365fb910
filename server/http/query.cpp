// Query-string parsing and typed access.
#include "server/http/query.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error.hpp"

namespace berth::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

[[noreturn]] void bad_value(std::string_view key, std::string_view value, std::string_view want) {
  core::fail(core::Errc::invalid_argument, "invalid value " + std::string(value) + " for query parameter " +
                                               std::string(key) + ": " + std::string(want));
}

}  // namespace

std::string url_decode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_as_space && c == '+') ? ' ' : c;
  }
  return out;
}

Query::Query(std::string_view raw) {
  while (!raw.empty()) {
    auto amp = raw.find('&');
    auto pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::string{} : url_decode(pair.substr(eq + 1), true);
    items_.emplace_back(std::move(key), std::move(value));
  }
}

namespace {

// podman's bindings send lowercased names ("alltags", "lookupmanifest", "listtags") and its server's schema decoder
// matches them without case; docker's names never differ only by case, so one rule serves both trees.
bool same_key(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

const std::string* Query::find(std::string_view key) const {
  for (auto& [k, v] : items_)
    if (same_key(k, key)) return &v;
  return nullptr;
}

bool Query::has(std::string_view key) const { return find(key) != nullptr; }

std::optional<std::string> Query::optional_string(std::string_view key) const {
  if (auto* v = find(key)) return *v;
  return std::nullopt;
}

std::string Query::string(std::string_view key, std::string_view fallback) const {
  if (auto* v = find(key)) return *v;
  return std::string(fallback);
}

std::vector<std::string> Query::list(std::string_view key) const {
  std::vector<std::string> out;
  for (auto& [k, v] : items_)
    if (same_key(k, key)) out.push_back(v);
  return out;
}

bool Query::flag(std::string_view key, bool fallback) const {
  auto* v = find(key);
  if (!v) return fallback;
  auto s = lower(*v);
  if (s.empty() || s == "0" || s == "no" || s == "false" || s == "none" || s == "f" || s == "off") return false;
  if (s == "1" || s == "true" || s == "t" || s == "yes" || s == "on") return true;
  bad_value(key, *v, "not a boolean");
}

std::optional<std::int64_t> Query::optional_int(std::string_view key) const {
  auto* v = find(key);
  if (!v || v->empty()) return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || end != v->data() + v->size()) bad_value(key, *v, "not an integer");
  return n;
}

std::int64_t Query::integer(std::string_view key, std::int64_t fallback) const {
  return optional_int(key).value_or(fallback);
}

}  // namespace berth::http
