// Registry credentials: what a request carries (X-Registry-Auth), what auth files hold, and how they are looked up.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace berth::core::registry {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;  // docker's "identitytoken": an OAuth refresh token used instead of a password
  std::string registry_token;  // docker's "registrytoken": a bearer token sent as is

  bool empty() const {
    return username.empty() && password.empty() && identity_token.empty() && registry_token.empty();
  }
};

// Credentials per registry host ("docker.io", "127.0.0.1:5000"), as X-Registry-Config or the map form of
// X-Registry-Auth gives them. Keys are normalised hosts: "https://index.docker.io/v1/" becomes "docker.io".
using CredentialMap = std::map<std::string, Credentials>;

// "https://index.docker.io/v1/", "registry-1.docker.io", "http://h:5000/v2/" → "docker.io", "h:5000".
std::string normalize_registry_host(std::string_view key);

// The credentials for `host`: from `given` first (the request's), else the first auth file that has them:
// $REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers/auth.json (or /run/containers/<uid>/auth.json),
// $HOME/.config/containers/auth.json, $DOCKER_CONFIG/config.json or $HOME/.docker/config.json. Entries are
// {"auths": {"host": {"auth": base64("user:password")}}} (keys may be URLs, or host/path prefixes); a file's
// "credHelpers": {"host": "name"} (before its auths) and "credsStore": "name" (after) run docker-credential-name.
std::optional<Credentials> find_credentials(const std::string& host, const CredentialMap& given);

}  // namespace berth::core::registry
