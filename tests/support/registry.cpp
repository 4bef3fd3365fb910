// TestRegistry: docker-registry as a child process, its config, readiness, and a test image pushed by hand.
#include "tests/support/registry.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/registry/base64.hpp"
#include "tests/support/berthd.hpp"
#include "tests/support/registry_token.hpp"

namespace berth::test {
namespace {

std::string b64(std::string_view bytes) { return core::registry::detail::base64_encode(bytes); }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

RunResult must_run(const std::vector<std::string>& argv, std::string_view input = {}) {
  RunResult r = run(argv, {}, std::chrono::seconds(60), input);
  if (r.exit_code != 0) throw std::runtime_error(argv[0] + " failed: " + r.describe());
  return r;
}

// A reproducible tar of `dir`'s entries (owner root, mtime 0), gzipped without a name or time.
std::string compress(const std::string& tar, const std::string& how) {
  if (how == "none") return tar;
  if (how == "zstd") return must_run({"zstd", "-q", "-c"}, tar).out;
  return must_run({"gzip", "-n", "-c"}, tar).out;
}

// A layer's tar and its blob.
std::pair<std::string, std::string> layer(const std::string& dir, const std::string& entry, const std::string& how) {
  std::string tar = must_run({"tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C",
                              dir, "-cf", "-", entry})
                        .out;
  return {tar, compress(tar, how)};
}

std::string layer_media_type(bool oci, const std::string& how) {
  if (how == "zstd") return "application/vnd.oci.image.layer.v1.tar+zstd";
  if (how == "none")
    return oci ? "application/vnd.oci.image.layer.v1.tar" : "application/vnd.docker.image.rootfs.diff.tar";
  return oci ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.docker.image.rootfs.diff.tar.gzip";
}

}  // namespace

std::string sha256_digest(const std::string& bytes) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

TestRegistry::TestRegistry(RegistryOptions options) : opts_(std::move(options)) {
  storage_ = dir_.sub("storage");
  log_path_ = dir_.sub("registry.log");
  port_ = free_tcp_port();
  std::ostringstream config;
  config << "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n"
         << "    rootdirectory: " << storage_ << "\n  delete:\n    enabled: true\n"
         << "http:\n  addr: 127.0.0.1:" << port_ << "\n  secret: berth-test-secret\n";
  if (opts_.tls) {
    cert_path_ = dir_.sub("cert.pem");
    must_run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
              "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir_.sub("key.pem"), "-out", cert_path_});
    config << "  tls:\n    certificate: " << cert_path_ << "\n    key: " << dir_.sub("key.pem") << "\n";
    certs_d_ = dir_.sub("certs.d");
    dir_.write("certs.d/" + host() + "/ca.crt", read_text(cert_path_));
  }
  if (opts_.auth == RegistryAuth::htpasswd) {
    std::string line = must_run({"htpasswd", "-Bbn", opts_.user, opts_.password}).out;
    dir_.write("htpasswd", line);
    config << "auth:\n  htpasswd:\n    realm: berth-test\n    path: " << dir_.sub("htpasswd") << "\n";
  } else if (opts_.auth == RegistryAuth::token) {
    tokens_ = std::make_unique<TokenServer>(dir_.path(), opts_.user, opts_.password);
    config << "auth:\n  token:\n    realm: " << tokens_->realm() << "\n    service: " << TokenServer::kService
           << "\n    issuer: " << TokenServer::kIssuer << "\n    rootcertbundle: " << tokens_->cert_path() << "\n";
  }
  std::string config_path = dir_.write("config.yml", config.str());

  pid_ = spawn_logged({"/usr/bin/docker-registry", "serve", config_path}, {}, log_path_);
  mark_fixture_process(pid_, true);
  auto probe = client();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      mark_fixture_process(pid_, false);
      pid_ = -1;
      throw std::runtime_error("docker-registry exited at start:\n" + log());
    }
    try {
      probe.request("GET", "/v2/");
      return;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  stop();
  throw std::runtime_error("docker-registry did not answer within 15 s:\n" + log());
}

TestRegistry::~TestRegistry() { stop(); }

void TestRegistry::stop() {
  if (pid_ <= 0) return;
  mark_fixture_process(pid_, false);
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string TestRegistry::blob_path(const std::string& digest) const {
  std::string hex = digest.substr(digest.find(':') + 1);
  return storage_ + "/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
}

std::string TestRegistry::log() const {
  std::ifstream in(log_path_);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TestRegistry::auth_header(const std::string& repo) const {
  if (opts_.auth == RegistryAuth::htpasswd) return "Basic " + b64(opts_.user + ":" + opts_.password);
  if (opts_.auth == RegistryAuth::token)
    return "Bearer " + tokens_->mint({"repository:" + repo + ":pull,push,delete", "registry:catalog:*"}, opts_.user);
  return {};
}

Response TestRegistry::request(std::string_view method, const std::string& path, std::string_view body,
                               HeaderList headers) const {
  // The repository is what follows /v2/ up to the API verb (manifests, blobs, tags).
  std::string repo;
  if (path.starts_with("/v2/")) {
    std::string rest = path.substr(4);
    for (const char* verb : {"/manifests/", "/blobs/", "/tags/"})
      if (auto at = rest.find(verb); at != std::string::npos) {
        repo = rest.substr(0, at);
        break;
      }
  }
  if (std::string auth = auth_header(repo); !auth.empty()) headers.emplace_back("Authorization", auth);
  return client().request(method, path, body, headers);
}

ApiClient TestRegistry::client() const {
  return opts_.tls ? ApiClient::tls("127.0.0.1", port_, {.ca = cert_path_}) : ApiClient::tcp("127.0.0.1", port_);
}

std::string TestRegistry::push_blob(const std::string& repo, const std::string& bytes) const {
  std::string digest = sha256_digest(bytes);
  Response start = request("POST", "/v2/" + repo + "/blobs/uploads/");
  if (start.status != 202) throw std::runtime_error("upload start: " + start.describe());
  std::string location = start.header("Location");
  // The registry answers with an absolute URL: keep its path and query.
  if (auto scheme = location.find("://"); scheme != std::string::npos)
    location = location.substr(location.find('/', scheme + 3));
  location += (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest;
  Response put = request("PUT", location, bytes, {{"Content-Type", "application/octet-stream"}});
  if (put.status != 201) throw std::runtime_error("upload: " + put.describe());
  return digest;
}

PushedImage TestRegistry::push_image(const std::string& repo, const std::string& tag, const PushImageOptions& o) {
  PushedImage img;
  img.repo = repo;
  img.tag = tag;
  TempDir work("berth-image");
  std::filesystem::create_directories(work.sub("l1/bin"));
  std::filesystem::copy_file("/bin/busybox", work.sub("l1/bin/busybox"));
  std::vector<std::pair<std::string, std::string>> layers = {layer(work.sub("l1"), "bin", o.compression)};
  if (o.layers > 1) {
    work.write("l2/hello.txt", "hello from berth\n");
    layers.push_back(layer(work.sub("l2"), "hello.txt", o.compression));
  }
  if (!o.top_tar.empty()) layers.emplace_back(o.top_tar, compress(o.top_tar, o.compression));
  const std::string layer_type = layer_media_type(o.oci, o.compression);
  const std::string config_type =
      o.oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json";
  const std::string manifest_type =
      o.oci ? "application/vnd.oci.image.manifest.v1+json" : "application/vnd.docker.distribution.manifest.v2+json";
  nlohmann::json layer_descs = nlohmann::json::array();
  for (const auto& [tar, gz] : layers) {
    img.diff_ids.push_back(sha256_digest(tar));
    img.layer_digests.push_back(push_blob(repo, gz));
    layer_descs.push_back({{"mediaType", layer_type}, {"size", gz.size()}, {"digest", img.layer_digests.back()}});
  }
  auto put_manifest = [&](const std::string& ref, const std::string& type, const std::string& bytes) {
    Response r = request("PUT", "/v2/" + repo + "/manifests/" + ref, bytes, {{"Content-Type", type}});
    if (r.status != 201) throw std::runtime_error("manifest put: " + r.describe());
    return sha256_digest(bytes);
  };
  nlohmann::json platforms = nlohmann::json::array();
  std::string last_manifest;
  for (const char* arch : {"amd64", "arm64"}) {
    nlohmann::json config = {{"architecture", arch},
                             {"os", "linux"},
                             {"created", "2024-01-01T00:00:00Z"},
                             {"config", {{"Cmd", {"/bin/busybox", "sh"}}, {"Env", {"PATH=/bin"}}}},
                             {"rootfs", {{"type", "layers"}, {"diff_ids", img.diff_ids}}},
                             {"history", nlohmann::json::array()}};
    std::string config_bytes = config.dump();
    std::string config_digest = push_blob(repo, config_bytes);
    nlohmann::json manifest = {
        {"schemaVersion", 2},
        {"mediaType", manifest_type},
        {"config", {{"mediaType", config_type}, {"size", config_bytes.size()}, {"digest", config_digest}}},
        {"layers", layer_descs}};
    std::string bytes = manifest.dump();
    if (!o.index) {
      img.config_digest = config_digest;
      img.manifest = bytes;
      img.media_type = manifest_type;
      img.manifest_digest = img.image_manifest_digest = put_manifest(tag, manifest_type, bytes);
      return img;
    }
    std::string digest = put_manifest(sha256_digest(bytes), manifest_type, bytes);
    if (std::string(arch) == "amd64") {
      img.config_digest = config_digest;
      img.image_manifest_digest = digest;
    }
    img.platform_digests.push_back(digest);
    platforms.push_back({{"mediaType", manifest_type},
                         {"size", bytes.size()},
                         {"digest", digest},
                         {"platform", {{"architecture", arch}, {"os", "linux"}}}});
  }
  img.media_type =
      o.oci ? "application/vnd.oci.image.index.v1+json" : "application/vnd.docker.distribution.manifest.list.v2+json";
  nlohmann::json index = {{"schemaVersion", 2}, {"mediaType", img.media_type}, {"manifests", platforms}};
  img.manifest = index.dump();
  img.manifest_digest = put_manifest(tag, img.media_type, img.manifest);
  return img;
}

}  // namespace berth::test
