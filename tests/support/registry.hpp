// TestRegistry: Debian's docker-registry on 127.0.0.1 with a temp storage dir, without auth, with htpasswd Basic
// auth, or with Bearer tokens from an in-process token server; plus a way to push a busybox test image into it
// over the plain registry API (no berthd involved).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/api_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace berth::test {

enum class RegistryAuth { none, htpasswd, token };

struct RegistryOptions {
  RegistryAuth auth = RegistryAuth::none;
  std::string user = "berthuser";
  std::string password = "berthpass";
  // HTTPS with a self-signed certificate for 127.0.0.1; clients trust it through certs_d() (CONTAINERS_CERTS_D).
  bool tls = false;
};

// What push_image wrote. Digests are "sha256:<hex>".
struct PushedImage {
  std::string repo, tag;
  std::string manifest_digest;  // the tag's manifest: the index/list when PushImageOptions::index
  std::string manifest;         // its bytes
  std::string media_type;
  std::string config_digest;                  // of the amd64 image
  std::string image_manifest_digest;          // the amd64 image manifest (== manifest_digest without an index)
  std::vector<std::string> layer_digests;     // compressed (blob) digests, shared by every platform
  std::vector<std::string> diff_ids;          // uncompressed
  std::vector<std::string> platform_digests;  // with an index: amd64, arm64 manifests
};

struct PushImageOptions {
  bool oci = false;     // OCI media types instead of docker schema2
  bool index = false;   // an OCI index / docker manifest list with linux/amd64 and linux/arm64 entries
  int layers = 1;       // 1: /bin/busybox; 2: plus a small layer with /hello.txt
  std::string top_tar;  // when set, one more layer on top: these tar bytes (hostile ones too), compressed as below
  std::string compression = "gzip";  // of every layer: "gzip", "zstd" (with oci) or "none"
};

class TokenServer;  // registry.cpp's Bearer token issuer

class TestRegistry {
 public:
  // Starts the registry (and the token server) and waits until GET /v2/ answers.
  explicit TestRegistry(RegistryOptions options = {});
  ~TestRegistry();
  TestRegistry(const TestRegistry&) = delete;
  TestRegistry& operator=(const TestRegistry&) = delete;

  void stop();  // SIGTERM (SIGKILL after 5 s) and reap; idempotent

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }  // "127.0.0.1:PORT"
  const std::string& user() const { return opts_.user; }
  const std::string& password() const { return opts_.password; }
  const std::string& storage() const { return storage_; }  // the registry's rootdirectory
  // The file holding a blob's bytes in storage (corrupt it to test digest verification).
  std::string blob_path(const std::string& digest) const;
  std::string log() const;  // the registry's output
  // With tls: a certs.d tree holding <host>/ca.crt, as podman and berthd read /etc/containers/certs.d.
  const std::string& certs_d() const { return certs_d_; }

  // Pushes a busybox image as repo:tag through the registry API (authenticating itself when needed).
  PushedImage push_image(const std::string& repo, const std::string& tag, const PushImageOptions& options = {});
  // Raw API access with this registry's credentials (Basic or a full-access Bearer token); `path` starts at /v2/.
  Response request(std::string_view method, const std::string& path, std::string_view body = {},
                   HeaderList headers = {}) const;
  // Uploads one blob (POST + PUT ?digest=) and returns its digest.
  std::string push_blob(const std::string& repo, const std::string& bytes) const;

 private:
  std::string auth_header(const std::string& repo) const;

  RegistryOptions opts_;
  TempDir dir_{"berth-registry"};
  std::string storage_, log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<TokenServer> tokens_;
  std::string certs_d_, cert_path_;
  ApiClient client() const;
};

// sha256 of bytes as "sha256:<hex>".
std::string sha256_digest(const std::string& bytes);

}  // namespace berth::test
