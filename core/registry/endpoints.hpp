// Where a reference is pulled from and pushed to, per registries.conf: prefix rewrites, mirrors (pull only),
// insecure and blocked registries, docker.io's real host, and policy.json's reject.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/images/reference.hpp"
#include "core/registry/client.hpp"

namespace berth::core::registry {

// One place to try: the endpoint and the repository path there.
struct Source {
  Endpoint endpoint;
  std::string repo;      // "library/busybox" (a mirror with a path prefix has it in endpoint.path)
  bool mirror = false;   // true for a mirror entry (a failure falls through to the next source)
  std::string registry;  // the registry the reference names ("docker.io"), for credentials lookup and messages
};

// For a normalised reference: its [[registry]] entry's mirrors in order (pull only, unless mirror-by-digest-only
// and the reference has no digest), then its location (a prefix match rewrites the path). docker.io → host
// registry-1.docker.io. tls_verify=false marks every source insecure; true overrides insecure=true. A blocked
// registry → Errc::forbidden "registry X is blocked in registries.conf". certs_dir is set when
// /etc/containers/certs.d/HOST exists (or $CONTAINERS_CERTS_D/HOST, tests use that).
std::vector<Source> pull_sources(const RegistriesConfig& config, const images::Reference& ref,
                                 std::optional<bool> tls_verify);
// The one place a push goes (no mirrors).
Source push_target(const RegistriesConfig& config, const images::Reference& ref, std::optional<bool> tls_verify);

// containers-policy.json (/etc/containers/policy.json, or $CONTAINERS_POLICY_JSON for tests): throws
// Errc::forbidden when its default, or the docker transport's entry for the reference's most specific scope, is
// {"type": "reject"}. A missing file accepts everything. Signature requirements are not enforced
// (insecureAcceptAnything and signedBy are treated as accept).
void check_policy(const images::Reference& ref);

}  // namespace berth::core::registry
