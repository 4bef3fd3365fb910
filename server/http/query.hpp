// Query-string values with the API's decoding rules: docker booleans, integers that answer 400 naming the
// parameter, repeated keys as lists, unknown keys ignored, names matched without case (podman's clients lowercase
// them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth::http {

class Query {
 public:
  Query() = default;
  // Parses "a=1&b=x%20y&b=z" (percent-decoding, '+' as space).
  explicit Query(std::string_view raw);

  bool has(std::string_view key) const;
  // The first value of key, if present.
  std::optional<std::string> optional_string(std::string_view key) const;
  std::string string(std::string_view key, std::string_view fallback = {}) const;
  // Every value of key, in order (repeated keys fill lists).
  std::vector<std::string> list(std::string_view key) const;
  // Docker's rules: absent -> fallback; "", 0, no, false, none, f, off -> false; 1, true, t, yes, on -> true;
  // anything else -> 400 naming the parameter.
  bool flag(std::string_view key, bool fallback = false) const;
  std::optional<std::int64_t> optional_int(std::string_view key) const;
  std::int64_t integer(std::string_view key, std::int64_t fallback) const;

  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  const std::string* find(std::string_view key) const;
  std::vector<std::pair<std::string, std::string>> items_;
};

// Percent-decoding; plus_as_space for form/query encoding. Invalid escapes are kept as they are.
std::string url_decode(std::string_view in, bool plus_as_space);

}  // namespace berth::http
