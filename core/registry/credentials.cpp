// Credential lookup: the request's own credentials, then auth files in podman's order, then docker's config.json,
// whose credHelpers/credsStore name docker-credential-* programs.
#include "core/registry/credentials.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/log.hpp"
#include "core/registry/base64.hpp"
#include "core/sys/env.hpp"
#include "core/sys/process.hpp"

namespace berth::core::registry {

std::string normalize_registry_host(std::string_view key);

namespace {

constexpr int kHelperTimeoutMs = 10000;

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

// docker-credential-<helper> get: the server on stdin, {"Username","Secret"} on stdout; a non-zero exit means it
// has nothing for that server. A helper that cannot run is logged and skipped: the registry's 401 then says more.
std::optional<Credentials> from_helper(const std::string& helper, const std::string& host) {
  std::string server = host == "docker.io" ? "https://index.docker.io/v1/" : host;
  try {
    auto r = sys::run({"docker-credential-" + helper, "get"},
                      {.stdin_data = server, .timeout = std::chrono::milliseconds(kHelperTimeoutMs)});
    if (r.exit_code != 0) return std::nullopt;
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (!doc.is_object()) return std::nullopt;
    Credentials c;
    std::string user = doc.value("Username", std::string());
    std::string secret = doc.value("Secret", std::string());
    // docker's convention: the user "<token>" marks an identity token.
    if (user == "<token>") {
      c.identity_token = secret;
    } else {
      c.username = user;
      c.password = secret;
    }
    if (c.empty()) return std::nullopt;
    return c;
  } catch (const std::exception& e) {
    log::warn("credential helper docker-credential-" + helper + ": " + e.what());
    return std::nullopt;
  }
}

std::string helper_for(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<Credentials> from_file(const std::string& path, const std::string& host) {
  if (path.empty()) return std::nullopt;
  std::ifstream in(path);
  if (!in) return std::nullopt;
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  // docker's order: a helper for this registry, then the stored entry, then the default store.
  if (auto helpers = doc.find("credHelpers"); helpers != doc.end() && helpers->is_object()) {
    for (auto it = helpers->begin(); it != helpers->end(); ++it) {
      if (normalize_registry_host(it.key()) == host && it->is_string() && !it->get<std::string>().empty())
        return from_helper(it->get<std::string>(), host);
    }
  }
  std::string store = helper_for(doc, "credsStore");
  if (!doc.contains("auths") || !doc["auths"].is_object())
    return store.empty() ? std::nullopt : from_helper(store, host);
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
  return store.empty() ? std::nullopt : from_helper(store, host);
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
  files.push_back(sys::env_or_empty("REGISTRY_AUTH_FILE"));
  std::string runtime = sys::env_or_empty("XDG_RUNTIME_DIR");
  files.push_back(!runtime.empty() ? runtime + "/containers/auth.json"
                                   : "/run/containers/" + std::to_string(::getuid()) + "/auth.json");
  std::string home = sys::env_or_empty("HOME");
  if (!home.empty()) files.push_back(home + "/.config/containers/auth.json");
  std::string docker_config = sys::env_or_empty("DOCKER_CONFIG");
  if (!docker_config.empty())
    files.push_back(docker_config + "/config.json");
  else if (!home.empty())
    files.push_back(home + "/.docker/config.json");
  for (const auto& f : files)
    if (auto c = from_file(f, host)) return c;
  return std::nullopt;
}

}  // namespace berth::core::registry
