// X-Registry-Auth / X-Registry-Config decoding (podman's pkg/auth GetCredentials, without the temporary auth file).
#include "server/http/registry_auth.hpp"

#include <array>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace berth::http {
namespace {

namespace registry = core::registry;

constexpr std::string_view kAuthHeader = "X-Registry-Auth";
constexpr std::string_view kConfigHeader = "X-Registry-Config";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::string string_field(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return {};
  if (!it->is_string())
    core::fail(core::Errc::invalid_argument, std::string("auth config field \"") + key + "\" must be a string");
  return it->get<std::string>();
}

// Decodes the header's JSON; `header` names it in the error.
nlohmann::json header_json(std::string_view value, std::string_view header) {
  try {
    return nlohmann::json::parse(base64_decode(value));
  } catch (const core::Error& e) {
    throw e.wrap("failed to parse \"" + std::string(header) + "\" header");
  } catch (const nlohmann::json::exception& e) {
    core::fail(core::Errc::invalid_argument, e.what(), "failed to parse \"" + std::string(header) + "\" header");
  }
}

// podman tries the map form first: an object whose values are all objects (an empty object is an empty map).
bool is_map_form(const nlohmann::json& doc) {
  for (const auto& [key, value] : doc.items())
    if (!value.is_object()) return false;
  return true;
}

registry::CredentialMap map_credentials(const nlohmann::json& doc) {
  registry::CredentialMap out;
  for (const auto& [key, value] : doc.items()) {
    auto creds = credentials_from_auth_config(value);
    out[key.empty() ? std::string() : registry::normalize_registry_host(key)] = std::move(creds);
  }
  return out;
}

bool absent(std::string_view value) { return value.empty() || value == "null"; }

}  // namespace

std::string base64_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t bits = 0;
  int count = 0;
  std::size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    int v = base64_value(in[i]);
    if (v < 0) core::fail(core::Errc::invalid_argument, "illegal base64 data at input byte " + std::to_string(i));
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xff);
      out += static_cast<char>((bits >> 8) & 0xff);
      out += static_cast<char>(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  if (count == 1) core::fail(core::Errc::invalid_argument, "illegal base64 data at input byte " + std::to_string(i));
  if (count == 2) out += static_cast<char>((bits >> 4) & 0xff);
  if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xff);
    out += static_cast<char>((bits >> 2) & 0xff);
  }
  for (; i < in.size(); ++i)  // only padding may follow
    if (in[i] != '=')
      core::fail(core::Errc::invalid_argument, "illegal base64 data at input byte " + std::to_string(i));
  return out;
}

registry::Credentials credentials_from_auth_config(const nlohmann::json& config) {
  if (!config.is_object()) core::fail(core::Errc::invalid_argument, "auth config must be a JSON object");
  registry::Credentials creds{.username = string_field(config, "username"),
                              .password = string_field(config, "password"),
                              .identity_token = string_field(config, "identitytoken"),
                              .registry_token = string_field(config, "registrytoken")};
  if (auto auth = string_field(config, "auth"); !auth.empty() && creds.username.empty() && creds.password.empty()) {
    auto decoded = base64_decode(auth);
    auto colon = decoded.find(':');
    if (colon == std::string::npos)
      core::fail(core::Errc::invalid_argument, "auth config \"auth\" is not user:password");
    creds.username = decoded.substr(0, colon);
    creds.password = decoded.substr(colon + 1);
  }
  return creds;
}

registry::CredentialMap decode_registry_auth(std::string_view value, std::string_view registry) {
  if (absent(value)) return {};
  auto doc = header_json(value, kAuthHeader);
  if (!doc.is_object())
    core::fail(core::Errc::invalid_argument, "not a JSON object", "failed to parse \"X-Registry-Auth\" header");
  if (is_map_form(doc)) return map_credentials(doc);
  auto creds = credentials_from_auth_config(doc);
  if (creds.empty()) return {};
  return {{registry.empty() ? std::string() : registry::normalize_registry_host(registry), std::move(creds)}};
}

registry::CredentialMap decode_registry_config(std::string_view value) {
  if (absent(value)) return {};
  auto doc = header_json(value, kConfigHeader);
  if (!doc.is_object() || !is_map_form(doc))
    core::fail(core::Errc::invalid_argument, "not a JSON object of auth configs",
               "failed to parse \"X-Registry-Config\" header");
  return map_credentials(doc);
}

registry::CredentialMap request_credentials(const Headers& headers, std::string_view registry) {
  if (auto config = headers.get(kConfigHeader)) return decode_registry_config(*config);
  if (auto auth = headers.get(kAuthHeader)) return decode_registry_auth(*auth, registry);
  return {};
}

}  // namespace berth::http
