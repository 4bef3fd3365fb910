// X-Registry-Auth / X-Registry-Config decoding (podman's pkg/auth GetCredentials, without the temporary auth file).
#include "server/http/registry_auth.hpp"

#include <array>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/registry/base64.hpp"

namespace berth::http {
namespace {

namespace registry = core::registry;

constexpr std::string_view kAuthHeader = "X-Registry-Auth";
constexpr std::string_view kConfigHeader = "X-Registry-Config";

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
  std::size_t bad = 0;
  auto out = core::registry::detail::base64_decode(in, &bad);
  if (!out) core::fail(core::Errc::invalid_argument, "illegal base64 data at input byte " + std::to_string(bad));
  return *out;
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
