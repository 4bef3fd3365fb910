// Credential lookup: the request's own credentials, then auth files in podman's order, then docker's config.json.
#include "core/registry/credentials.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/registry/base64.hpp"

namespace berth::core::registry {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Strips a scheme and docker's API suffixes; a remaining path means a repository-scoped entry.
std::string strip_url(std::string_view key) {
  for (std::string_view scheme : {"https://", "http://"})
    if (key.starts_with(scheme)) key.remove_prefix(scheme.size());
  for (std::string_view suffix : {"/v1/", "/v2/", "/v1", "/v2", "/"})
    if (key.ends_with(suffix)) {
      key.remove_suffix(suffix.size());
      break;
    }
  return std::string(key);
}

bool is_docker_hub(std::string_view host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io" ||
         host == "registry.hub.docker.com";
}

std::optional<Credentials> from_entry(const nlohmann::json& entry) {
  if (!entry.is_object()) return std::nullopt;
  Credentials c;
  if (auto auth = entry.find("auth"); auth != entry.end() && auth->is_string() && !auth->get<std::string>().empty()) {
    auto decoded = detail::base64_decode(auth->get<std::string>());
    if (!decoded) return std::nullopt;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    c.username = decoded->substr(0, colon);
    c.password = decoded->substr(colon + 1);
  }
  if (c.username.empty()) c.username = entry.value("username", std::string());
  if (c.password.empty()) c.password = entry.value("password", std::string());
  c.identity_token = entry.value("identitytoken", std::string());
  c.registry_token = entry.value("registrytoken", std::string());
  if (c.empty()) return std::nullopt;
  return c;
}

std::optional<Credentials> from_file(const std::string& path, const std::string& host) {
  if (path.empty()) return std::nullopt;
  std::ifstream in(path);
  if (!in) return std::nullopt;
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc.contains("auths") || !doc["auths"].is_object()) return std::nullopt;
  const auto& auths = doc["auths"];
  // The plain host key wins over URL forms of it ("https://index.docker.io/v1/").
  if (auto it = auths.find(host); it != auths.end())
    if (auto c = from_entry(*it)) return c;
  for (auto it = auths.begin(); it != auths.end(); ++it) {
    std::string key = strip_url(it.key());
    if (key.find('/') != std::string::npos) continue;  // scoped to a repository: not for the whole host
    if (normalize_registry_host(key) == host)
      if (auto c = from_entry(it.value())) return c;
  }
  return std::nullopt;
}

}  // namespace

std::string normalize_registry_host(std::string_view key) {
  std::string host = strip_url(key);
  if (auto slash = host.find('/'); slash != std::string::npos) host.resize(slash);
  if (is_docker_hub(host)) return "docker.io";
  return host;
}

std::optional<Credentials> find_credentials(const std::string& host_in, const CredentialMap& given) {
  std::string host = normalize_registry_host(host_in);
  for (const auto& [key, creds] : given)
    if (normalize_registry_host(key) == host && !creds.empty()) return creds;

  std::vector<std::string> files;
  files.push_back(env("REGISTRY_AUTH_FILE"));
  std::string runtime = env("XDG_RUNTIME_DIR");
  files.push_back(!runtime.empty() ? runtime + "/containers/auth.json"
                                   : "/run/containers/" + std::to_string(::getuid()) + "/auth.json");
  std::string home = env("HOME");
  if (!home.empty()) files.push_back(home + "/.config/containers/auth.json");
  std::string docker_config = env("DOCKER_CONFIG");
  if (!docker_config.empty())
    files.push_back(docker_config + "/config.json");
  else if (!home.empty())
    files.push_back(home + "/.docker/config.json");
  for (const auto& f : files)
    if (auto c = from_file(f, host)) return c;
  return std::nullopt;
}

}  // namespace berth::core::registry
