// API version parsing and the ranges each tree serves.
#include "server/http/version.hpp"

#include <charconv>

namespace berth::http {

std::string ApiVersion::str(bool with_patch) const {
  std::string s = std::to_string(major) + "." + std::to_string(minor);
  if (with_patch) s += "." + std::to_string(patch);
  return s;
}

std::optional<ApiVersion> parse_version(std::string_view text) {
  int parts[3] = {0, 0, 0};
  int count = 0;
  while (!text.empty()) {
    if (count == 3) return std::nullopt;
    auto dot = text.find('.');
    auto part = text.substr(0, dot);
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), parts[count]);
    if (ec != std::errc{} || end != part.data() + part.size() || part.empty()) return std::nullopt;
    ++count;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
    if (text.empty()) return std::nullopt;
  }
  if (count == 0) return std::nullopt;
  return ApiVersion{parts[0], parts[1], parts[2]};
}

ApiVersion default_version(Tree tree) { return tree == Tree::compat ? kCompatApi : kLibpodApi; }

std::string version_refusal(Tree tree, ApiVersion v) {
  // Libpod clients of any 4.x-or-later release talk to a 4.3.1 server (podman does not refuse them either);
  // only the compat tree enforces docker's range, with docker's words.
  if (tree == Tree::libpod) return {};
  if (v < kCompatMinApi)
    return "client version " + v.str() + " is too old. Minimum supported API version is " + kCompatMinApi.str() +
           ", please upgrade your client to a newer version";
  if (v > kCompatApi)
    return "client version " + v.str() + " is too new. Maximum supported API version is " + kCompatApi.str();
  return {};
}

const std::array<ServerHeader, 3>& server_headers() {
  static const std::string compat = kCompatApi.str();
  static const std::string libpod = kLibpodApi.str(true);
  static const std::string server = "Libpod/" + libpod + " (linux)";
  static const std::array<ServerHeader, 3> fields{
      {{"API-Version", compat}, {"Libpod-API-Version", libpod}, {"Server", server}}};
  return fields;
}

void add_server_headers(Headers& headers) {
  for (const auto& [name, value] : server_headers()) headers.set(name, std::string(value));
}

}  // namespace berth::http
