// Reference: docker/podman image references (name[:tag][@digest]), docker normalisation and podman short-name
// candidates.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/images/digest.hpp"

namespace berth::core::images {

inline constexpr std::string_view kDockerDomain = "docker.io";

struct Reference {
  std::string domain;  // empty when the user gave none (a short name)
  std::string path;    // "library/busybox", "foo/bar"
  std::string tag;     // empty when none was given
  std::optional<Digest> digest;

  // No registry was named, so the name must be resolved (docker: docker.io; podman: candidates()).
  bool is_short_name() const { return domain.empty(); }
  // docker's normalisation: no domain → docker.io, one component on docker.io → library/, neither tag nor digest
  // → latest.
  Reference normalized() const;
  // The full normalised form: "docker.io/library/busybox:latest", "quay.io/x/y:1@sha256:...".
  std::string str() const;
  // The normalised form as docker prints it: "busybox:latest", "foo/bar:1", "quay.io/x/y:1".
  std::string familiar() const;
  // "domain/path" of the normalised reference, without tag or digest.
  std::string name() const;

  friend bool operator==(const Reference&, const Reference&) = default;
};

// Parses with distribution/reference's grammar and docker's domain split (first component is a domain when it
// holds '.' or ':', is "localhost", or has uppercase). Nothing is filled in: see Reference::normalized().
// Errors are Errc::invalid_argument with docker's texts ("invalid reference format", "repository name must be
// lowercase", "repository name must not be more than 255 characters", ...).
Reference parse_reference(std::string_view text);

// podman's local lookup order for a short name: localhost/NAME, then NAME on each unqualified-search registry
// (docker.io adds library/ to a single component). Tag latest is added when neither tag nor digest was given.
std::vector<Reference> candidates(const Reference& short_name,
                                  const std::vector<std::string>& unqualified_search_registries);

// True for what may be an image ID (prefix): 3–64 lowercase hex, or "sha256:" followed by 1–64 lowercase hex.
bool looks_like_id_prefix(std::string_view text);

}  // namespace berth::core::images
