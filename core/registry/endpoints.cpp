// registries.conf resolution (containers-registries.conf(5)) and policy.json's reject.
#include "core/registry/endpoints.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/sys/env.hpp"

namespace berth::core::registry {
namespace {

// Length of the match of `prefix` against `name` (domain/path), or -1. A prefix matches whole path components;
// "*.example.com" matches any subdomain of example.com in the domain part.
long match_length(const std::string& prefix, const std::string& name) {
  if (prefix.starts_with("*.")) {
    std::string domain = name.substr(0, name.find('/'));
    std::string suffix = prefix.substr(1);  // ".example.com"
    if (domain.size() > suffix.size() && domain.ends_with(suffix)) return static_cast<long>(prefix.size());
    return -1;
  }
  if (name == prefix) return static_cast<long>(prefix.size());
  if (name.starts_with(prefix) && name.size() > prefix.size() && name[prefix.size()] == '/')
    return static_cast<long>(prefix.size());
  return -1;
}

const Registry* find_registry(const RegistriesConfig& config, const std::string& name) {
  const Registry* best = nullptr;
  long best_len = -1;
  for (const auto& r : config.registries) {
    const std::string& prefix = r.prefix.empty() ? r.location : r.prefix;
    long len = match_length(prefix, name);
    if (len > best_len) {
      best = &r;
      best_len = len;
    }
  }
  return best;
}

std::string certs_dir_for(const std::string& host) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> roots;
  if (auto d = sys::env_or_empty("CONTAINERS_CERTS_D"); !d.empty()) roots.push_back(d);
  roots.push_back("/etc/containers/certs.d");
  roots.push_back("/etc/docker/certs.d");
  for (const auto& root : roots) {
    std::string dir = root + "/" + host;
    if (fs::is_directory(dir, ec)) return dir;
  }
  return {};
}

// `location` + `suffix` ("/library/busybox") split into an endpoint host, its path prefix, and the repository.
Source make_source(const std::string& location, const std::string& suffix, bool insecure, bool mirror,
                   const std::string& registry, std::optional<bool> tls_verify) {
  Source s;
  s.mirror = mirror;
  s.registry = registry;
  auto slash = location.find('/');
  std::string host = location.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : location.substr(slash + 1);
  std::string rest = suffix.starts_with("/") ? suffix.substr(1) : suffix;
  if (rest.empty()) {
    rest = path;  // the reference names the location itself
    path.clear();
  }
  if (host == "docker.io") host = "registry-1.docker.io";
  s.endpoint.host = host;
  s.endpoint.path = path;
  s.endpoint.insecure = tls_verify ? !*tls_verify : insecure;
  // certs.d is keyed by the name users write (docker.io), or else by the host we connect to.
  s.endpoint.certs_dir = certs_dir_for(location.substr(0, slash));
  if (s.endpoint.certs_dir.empty()) s.endpoint.certs_dir = certs_dir_for(host);
  s.repo = rest;
  return s;
}

std::vector<Source> sources(const RegistriesConfig& config, const images::Reference& ref_in,
                            std::optional<bool> tls_verify, bool with_mirrors) {
  images::Reference ref = ref_in.normalized();
  std::string name = ref.name();
  std::vector<Source> out;
  const Registry* reg = find_registry(config, name);
  if (!reg) {
    out.push_back(make_source(ref.domain, "/" + ref.path, false, false, ref.domain, tls_verify));
    return out;
  }
  if (reg->blocked) fail(Errc::forbidden, "registry " + ref.domain + " is blocked in registries.conf");
  const std::string& prefix = reg->prefix.empty() ? reg->location : reg->prefix;
  // A wildcard prefix cannot be rewritten: the reference keeps its own name.
  bool wildcard = prefix.starts_with("*.");
  std::string suffix = wildcard ? name.substr(name.find('/')) : name.substr(prefix.size());
  std::string primary = wildcard || reg->location.empty() ? name.substr(0, name.find('/')) : reg->location;
  if (with_mirrors) {
    bool by_digest = ref.digest.has_value();
    for (const auto& m : reg->mirrors) {
      // c/image: mirror-by-digest-only limits every mirror to digests, else each mirror's pull-from-mirror decides.
      const std::string& from = reg->mirror_by_digest_only ? "digest-only" : m.pull_from_mirror;
      if ((from == "digest-only" && !by_digest) || (from == "tag-only" && by_digest)) continue;
      out.push_back(make_source(m.location, suffix, m.insecure, true, ref.domain, tls_verify));
    }
  }
  out.push_back(make_source(primary, suffix, reg->insecure, false, ref.domain, tls_verify));
  return out;
}

}  // namespace

std::vector<Source> pull_sources(const RegistriesConfig& config, const images::Reference& ref,
                                 std::optional<bool> tls_verify) {
  return sources(config, ref, tls_verify, true);
}

Source push_target(const RegistriesConfig& config, const images::Reference& ref, std::optional<bool> tls_verify) {
  return sources(config, ref, tls_verify, false).back();
}

namespace {

bool rejects(const nlohmann::json& requirements) {
  if (!requirements.is_array()) return false;
  for (const auto& r : requirements)
    if (r.is_object() && r.value("type", std::string()) == "reject") return true;
  return false;
}

// The docker transport's scopes for a reference, most specific first: name:tag / name@digest, name, each parent
// namespace, the host, then "*.domain" wildcards.
std::vector<std::string> policy_scopes(const images::Reference& ref) {
  std::vector<std::string> scopes;
  std::string name = ref.name();
  if (ref.digest) scopes.push_back(name + "@" + ref.digest->str());
  if (!ref.tag.empty()) scopes.push_back(name + ":" + ref.tag);
  for (std::string s = name;;) {
    scopes.push_back(s);
    auto slash = s.rfind('/');
    if (slash == std::string::npos) break;
    s.resize(slash);
  }
  std::string domain = ref.domain;
  for (auto dot = domain.find('.'); dot != std::string::npos; dot = domain.find('.', dot + 1))
    scopes.push_back("*" + domain.substr(dot));
  return scopes;
}

}  // namespace

void check_policy(const images::Reference& ref_in) {
  std::string path = sys::env_or_empty("CONTAINERS_POLICY_JSON");
  if (path.empty()) path = "/etc/containers/policy.json";
  std::ifstream in(path);
  if (!in) return;
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object()) fail(Errc::internal, "invalid policy in " + path + ": not a JSON object");
  images::Reference ref = ref_in.normalized();
  const nlohmann::json* chosen = nullptr;
  if (doc.contains("transports") && doc["transports"].is_object() && doc["transports"].contains("docker")) {
    const auto& docker = doc["transports"]["docker"];
    if (docker.is_object()) {
      for (const auto& scope : policy_scopes(ref))
        if (docker.contains(scope)) {
          chosen = &docker[scope];
          break;
        }
      if (!chosen && docker.contains("")) chosen = &docker[""];
    }
  }
  if (!chosen && doc.contains("default")) chosen = &doc["default"];
  if (chosen && rejects(*chosen))
    fail(Errc::forbidden, "Source image rejected: Running image docker://" + ref.str() + " is rejected by policy.");
}

}  // namespace berth::core::registry
