// Registry credentials a request carries: X-Registry-Auth (base64url JSON of one docker AuthConfig, or of a map
// registry → AuthConfig) and X-Registry-Config (the map form; it wins when both are sent, as in podman), decoded
// into a core::registry::CredentialMap keyed by normalised registry host.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "core/registry/credentials.hpp"
#include "server/http/headers.hpp"

namespace berth::http {

// One docker AuthConfig {username, password, auth, email, serveraddress, identitytoken, registrytoken}: "auth"
// (base64 "user:password") fills username/password when those are empty; email is ignored. A field of another
// type than string → invalid_argument.
core::registry::Credentials credentials_from_auth_config(const nlohmann::json& config);

// Decodes one header value. Empty or "null" (some Java clients) → no credentials. The single form is keyed by
// normalize_registry_host(`registry`), the registry of the reference being pulled or pushed; with `registry` ""
// (a podman short name, which may resolve to several registries) it is keyed "", meaning "whatever registry the
// transfer talks to". Map keys are normalised ("https://index.docker.io/v1/" → "docker.io"). Bad base64 or JSON
// → invalid_argument ("failed to parse \"X-Registry-Auth\" header: ...").
core::registry::CredentialMap decode_registry_auth(std::string_view value, std::string_view registry = {});
core::registry::CredentialMap decode_registry_config(std::string_view value);

// The request's credentials: X-Registry-Config when present, else X-Registry-Auth, else none.
core::registry::CredentialMap request_credentials(const Headers& headers, std::string_view registry = {});

// base64 with either alphabet (standard or URL-safe), padding optional. Anything else → nullopt-like failure:
// invalid_argument naming the byte offset, as Go does ("illegal base64 data at input byte N").
std::string base64_decode(std::string_view in);

}  // namespace berth::http
