// HTTP header fields with case-insensitive names, in arrival order.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth::http {

bool iequals(std::string_view a, std::string_view b);

class Headers {
 public:
  void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  void reserve(std::size_t n) { fields_.reserve(n); }
  // Replaces every field of that name.
  void set(std::string_view name, std::string value);
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace berth::http
