// RegistryClient: the Registry HTTP API v2 over libcurl for one registry endpoint and one set of credentials:
// challenge-driven Basic and Bearer auth (tokens cached per scope), manifests with the full Accept list, blobs
// verified while they stream, uploads with HEAD-before-upload and cross-repository mounts.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/images/digest.hpp"
#include "core/registry/credentials.hpp"
#include "core/sys/cancel.hpp"

namespace berth::core::registry {

// Where to talk to: a host[:port] and how. Built from registries.conf (endpoints.hpp).
struct Endpoint {
  std::string host;       // "127.0.0.1:5000", "registry-1.docker.io" (docker.io is mapped to this)
  std::string path;       // a mirror's location may carry a path prefix ("mirror.example/docker"); usually ""
  bool insecure = false;  // plain http allowed and TLS not verified (registries.conf insecure / tlsVerify=false)
  std::string certs_dir;  // "/etc/containers/certs.d/HOST[:PORT]" (ca.crt / *.crt, client.cert + client.key) or ""
};

struct Manifest {
  std::string media_type;  // from Content-Type (or the document's mediaType when the server sends none)
  std::string bytes;
  images::Digest digest;  // sha256 of bytes (checked against Docker-Content-Digest and a by-digest reference)
};

// Bytes done / total (total 0 when unknown) of one transfer.
using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// One hit of the v1 search API (docker hub's GET /v1/search), with docker's JSON fields.
struct SearchHit {
  std::string name;  // as the registry spells it ("busybox", "library/busybox", "user/app")
  std::string description;
  std::int64_t stars = 0;  // star_count
  bool official = false;   // is_official
  bool automated = false;  // is_automated
};

class RegistryClient {
 public:
  // `cancel` (may be null) aborts transfers promptly: Errc::unavailable "cancelled".
  RegistryClient(Endpoint endpoint, std::optional<Credentials> credentials, const sys::CancelToken* cancel = nullptr);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // GET /v2/ with the credentials (docker login): throws unauthorized on bad credentials.
  void ping();

  // GET manifests/<reference> (tag or "sha256:..."). Not found → not_found ("manifest unknown: repo:ref");
  // 401 after auth → unauthorized; a digest reference whose bytes do not match → invalid_argument.
  Manifest get_manifest(std::string_view repo, std::string_view reference);
  // HEAD manifests/<reference>: the digest, or nullopt when absent.
  std::optional<images::Digest> head_manifest(std::string_view repo, std::string_view reference);
  // PUT manifests/<reference>; returns the digest of bytes.
  images::Digest put_manifest(std::string_view repo, std::string_view reference, std::string_view media_type,
                              std::string_view bytes);

  // GET blobs/<digest>, following redirects, feeding `sink` as it arrives; the digest is verified at the end
  // (mismatch → invalid_argument "digest mismatch", after which the caller must discard what it got).
  void get_blob(std::string_view repo, const images::Digest& digest, const std::function<void(std::string_view)>& sink,
                const Progress& progress = {});
  // HEAD blobs/<digest>.
  bool has_blob(std::string_view repo, const images::Digest& digest);
  // POST blobs/uploads/?mount=<digest>&from=<from_repo>: true when the registry mounted it (201).
  bool mount_blob(std::string_view repo, const images::Digest& digest, std::string_view from_repo);
  // POST blobs/uploads/ then one PUT <location>?digest= with the `size` bytes read from fd (at its offset).
  void put_blob(std::string_view repo, const images::Digest& digest, int fd, std::uint64_t size,
                const Progress& progress = {});

  // GET tags/list (all pages).
  std::vector<std::string> tags(std::string_view repo);
  // GET _catalog (all pages): what podman search falls back to on registries without a search API.
  std::vector<std::string> catalog();
  // GET /v1/search?q=<term>&n=<limit>: the hits, or nullopt when the registry has no v1 search API (any answer
  // but 200: c/image then falls back to the catalog). Unreachable → unavailable; a 200 without JSON → unavailable.
  std::optional<std::vector<SearchHit>> search_v1(std::string_view term, int limit);

  const Endpoint& endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::core::registry
