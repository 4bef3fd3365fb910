// RegistryClient against a real docker-registry (plain, htpasswd, token auth), plus endpoint, credential and
// policy resolution.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/images/digest.hpp"
#include "core/registry/client.hpp"
#include "core/registry/credentials.hpp"
#include "core/registry/endpoints.hpp"
#include "tests/support/berthd.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/registry.hpp"

namespace berth::test {
namespace {

using core::Errc;
using core::Error;
using core::images::Digest;
using core::registry::Credentials;
using core::registry::Endpoint;
using core::registry::RegistryClient;

Endpoint plain(const TestRegistry& r) { return Endpoint{r.host(), "", true, ""}; }

std::string collect(RegistryClient& c, const std::string& repo, const std::string& digest) {
  std::string out;
  c.get_blob(repo, Digest::parse(digest), [&](std::string_view chunk) { out.append(chunk); });
  return out;
}

// Sets an environment variable for one scope.
struct ScopedEnv {
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  const char* name_;
  std::optional<std::string> old_;
};

// A socket that accepts connections (through the kernel's backlog) and never answers.
struct SilentServer {
  SilentServer() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd, 8);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd); }
  int fd = -1, port = 0;
};

// Relays plain HTTP to a registry but sits silent on a TLS hello, like a plain server that waits for a request
// line: an insecure registry's https probe can only time out there.
struct SilentOnTlsProxy {
  explicit SilentOnTlsProxy(int target_port) : target(target_port) {
    thread = std::thread([this] {
      for (;;) {
        int c = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        conns.emplace_back([this, c] { serve(c); });
      }
    });
  }
  ~SilentOnTlsProxy() {
    stopping = true;
    ::shutdown(listener.fd, SHUT_RDWR);
    thread.join();
    for (auto& t : conns) t.join();
  }
  void serve(int c) {
    unsigned char first = 0;
    pollfd p{c, POLLIN, 0};
    while (!stopping && ::poll(&p, 1, 100) == 0) {
    }
    if (stopping || ::recv(c, &first, 1, MSG_PEEK) != 1 || first == 0x16) {
      while (!stopping) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // never answer TLS
      ::close(c);
      return;
    }
    int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(target));
    if (::connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      pollfd fds[2] = {{c, POLLIN, 0}, {up, POLLIN, 0}};
      char buf[65536];
      while (!stopping) {
        if (::poll(fds, 2, 100) <= 0) continue;
        int from = (fds[0].revents != 0) ? c : up;
        ssize_t n = ::read(from, buf, sizeof buf);
        if (n <= 0 || ::send(from == c ? up : c, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
      }
    }
    ::close(up);
    ::close(c);
  }
  SilentServer listener;
  int target;
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::vector<std::thread> conns;  // only touched by `thread` until it has been joined
};

}  // namespace

TEST_CASE("registry client: an insecure registry whose https probe times out is reached over http", "[registry]") {
  ScopedEnv timeout("BERTH_REGISTRY_TIMEOUT_S", "2");
  TestRegistry reg;
  auto img = reg.push_image("test/busybox", "latest");
  SilentOnTlsProxy proxy(reg.port());
  std::string host = "127.0.0.1:" + std::to_string(proxy.listener.port);
  RegistryClient c(Endpoint{host, "", true, ""}, std::nullopt);
  CHECK(c.get_manifest("test/busybox", "latest").digest.str() == img.manifest_digest);
  CHECK(sha256_digest(collect(c, "test/busybox", img.layer_digests[0])) == img.layer_digests[0]);

  // Not marked insecure: https only, so the silence is a timeout error.
  RegistryClient secure(Endpoint{host, "", false, ""}, std::nullopt);
  auto e = error_of([&] { secure.ping(); });
  CHECK(e.code() == Errc::unavailable);
  CHECK_THAT(e.what(), Catch::Contains("timed out"));
}

TEST_CASE("registry client: manifests, blobs, tags and catalog on a plain registry", "[registry]") {
  TestRegistry reg;
  auto img = reg.push_image("test/busybox", "latest", {.oci = false, .index = false, .layers = 2});
  RegistryClient c(plain(reg), std::nullopt);
  c.ping();

  auto m = c.get_manifest("test/busybox", "latest");
  CHECK(m.media_type == "application/vnd.docker.distribution.manifest.v2+json");
  CHECK(m.digest.str() == img.manifest_digest);
  CHECK(m.bytes == img.manifest);
  CHECK(c.get_manifest("test/busybox", img.manifest_digest).bytes == img.manifest);
  CHECK(c.head_manifest("test/busybox", "latest")->str() == img.manifest_digest);
  CHECK_FALSE(c.head_manifest("test/busybox", "nope").has_value());

  std::string layer = collect(c, "test/busybox", img.layer_digests[0]);
  CHECK(sha256_digest(layer) == img.layer_digests[0]);
  CHECK(c.tags("test/busybox") == std::vector<std::string>{"latest"});
  CHECK(c.catalog() == std::vector<std::string>{"test/busybox"});

  auto e = error_of([&] { c.get_manifest("test/busybox", "nope"); });
  CHECK(e.code() == Errc::not_found);
  CHECK_THAT(e.what(), Catch::Contains("manifest unknown"));
  e = error_of([&] { c.get_manifest("no/such", "latest"); });
  CHECK(e.code() == Errc::not_found);
  INFO(e.what());
  e = error_of([&] { c.tags("no/such"); });
  CHECK(e.code() == Errc::not_found);
  CHECK_THAT(e.what(), Catch::Contains("repository " + reg.host() + "/no/such not found"));

  // A blob corrupted on the registry's disk is caught while it streams.
  std::ofstream(reg.blob_path(img.layer_digests[1]), std::ios::trunc) << "corrupted";
  e = error_of([&] { collect(c, "test/busybox", img.layer_digests[1]); });
  CHECK(e.code() == Errc::invalid_argument);
  CHECK_THAT(e.what(), Catch::Contains("digest mismatch"));
}

TEST_CASE("registry client: OCI index manifests", "[registry]") {
  TestRegistry reg;
  auto img = reg.push_image("multi", "v1", {.oci = true, .index = true});
  RegistryClient c(plain(reg), std::nullopt);
  auto m = c.get_manifest("multi", "v1");
  CHECK(m.media_type == "application/vnd.oci.image.index.v1+json");
  CHECK(m.digest.str() == img.manifest_digest);
  auto arm = c.get_manifest("multi", img.platform_digests[1]);
  CHECK(arm.media_type == "application/vnd.oci.image.manifest.v1+json");
}

TEST_CASE("registry client: push round trip with HEAD and mount", "[registry]") {
  TestRegistry reg;
  auto img = reg.push_image("src/app", "1");
  RegistryClient c(plain(reg), std::nullopt);
  Digest layer = Digest::parse(img.layer_digests[0]);
  CHECK(c.has_blob("src/app", layer));
  CHECK_FALSE(c.has_blob("dst/app", layer));
  CHECK(c.mount_blob("dst/app", layer, "src/app"));
  CHECK(c.has_blob("dst/app", layer));
  CHECK(c.mount_blob("dst/app", Digest::parse(img.config_digest), "src/app"));
  // A blob the source does not have starts an ordinary upload instead (which the client cancels).
  CHECK_FALSE(c.mount_blob("dst/app", Digest::parse(sha256_digest("absent")), "src/app"));

  // A fresh blob through put_blob from a file at an offset.
  TempDir dir;
  std::string content = "0123456789 a new config blob";
  std::string path = dir.write("blob", "PREFIX" + content);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  ::lseek(fd, 6, SEEK_SET);
  Digest d = Digest::parse(sha256_digest(content));
  std::uint64_t last = 0;
  c.put_blob("dst/app", d, fd, content.size(), [&](std::uint64_t done, std::uint64_t) { last = done; });
  ::close(fd);
  CHECK(last == content.size());
  CHECK(collect(c, "dst/app", d.str()) == content);

  auto pushed = c.put_manifest("dst/app", "copy", img.media_type, img.manifest);
  CHECK(pushed.str() == img.manifest_digest);
  CHECK(c.get_manifest("dst/app", "copy").bytes == img.manifest);
  CHECK(c.tags("dst/app") == std::vector<std::string>{"copy"});
}

TEST_CASE("registry client: Basic auth", "[registry]") {
  TestRegistry reg({.auth = RegistryAuth::htpasswd});
  auto img = reg.push_image("private/app", "latest");
  RegistryClient good(plain(reg), Credentials{reg.user(), reg.password(), "", ""});
  good.ping();
  CHECK(good.get_manifest("private/app", "latest").digest.str() == img.manifest_digest);
  CHECK(collect(good, "private/app", img.config_digest).size() > 0);

  RegistryClient bad(plain(reg), Credentials{reg.user(), "wrong", "", ""});
  auto e = error_of([&] { bad.ping(); });
  CHECK(e.code() == Errc::unauthorized);
  e = error_of([&] { bad.get_manifest("private/app", "latest"); });
  CHECK(e.code() == Errc::unauthorized);
  CHECK_THAT(e.what(), Catch::Contains("unauthorized"));

  RegistryClient anonymous(plain(reg), std::nullopt);
  anonymous.ping();  // a 401 still shows a registry is there
  CHECK(error_of([&] { anonymous.get_manifest("private/app", "latest"); }).code() == Errc::unauthorized);
}

TEST_CASE("registry client: Bearer token auth", "[registry]") {
  TestRegistry reg({.auth = RegistryAuth::token});
  auto img = reg.push_image("private/app", "latest");
  RegistryClient good(plain(reg), Credentials{reg.user(), reg.password(), "", ""});
  good.ping();
  CHECK(good.get_manifest("private/app", "latest").digest.str() == img.manifest_digest);
  CHECK(good.head_manifest("private/app", "latest")->str() == img.manifest_digest);
  CHECK(good.mount_blob("other/app", Digest::parse(img.layer_digests[0]), "private/app"));
  CHECK(good.mount_blob("other/app", Digest::parse(img.config_digest), "private/app"));
  CHECK(good.put_manifest("other/app", "x", img.media_type, img.manifest).str() == img.manifest_digest);
  CHECK(good.tags("other/app") == std::vector<std::string>{"x"});

  RegistryClient bad(plain(reg), Credentials{reg.user(), "wrong", "", ""});
  auto e = error_of([&] { bad.ping(); });
  CHECK(e.code() == Errc::unauthorized);
  CHECK_THAT(e.what(), Catch::Contains("invalid username/password"));
  CHECK(error_of([&] { bad.get_manifest("private/app", "latest"); }).code() == Errc::unauthorized);

  // Anonymous tokens carry no access: the registry refuses them.
  RegistryClient anonymous(plain(reg), std::nullopt);
  CHECK(error_of([&] { anonymous.get_manifest("private/app", "latest"); }).code() == Errc::unauthorized);
}

TEST_CASE("registry client: transport failures", "[registry]") {
  ScopedEnv timeout("BERTH_REGISTRY_TIMEOUT_S", "2");

  SECTION("connection refused") {
    int port = free_tcp_port();
    RegistryClient c(Endpoint{"127.0.0.1:" + std::to_string(port), "", false, ""}, std::nullopt);
    auto e = error_of([&] { c.ping(); });
    CHECK(e.code() == Errc::unavailable);
    CHECK_THAT(e.what(), Catch::Contains("pinging container registry 127.0.0.1:" + std::to_string(port)));
    CHECK_THAT(e.what(), Catch::Contains("connection refused"));
  }
  SECTION("a registry that never answers") {
    SilentServer silent;
    for (bool insecure : {false, true}) {
      RegistryClient c(Endpoint{"127.0.0.1:" + std::to_string(silent.port), "", insecure, ""}, std::nullopt);
      auto start = std::chrono::steady_clock::now();
      auto e = error_of([&] { c.get_manifest("a/b", "latest"); });
      CHECK(e.code() == Errc::unavailable);
      CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    }
  }
  SECTION("a secure endpoint on an http-only registry is refused") {
    TestRegistry reg;
    RegistryClient c(Endpoint{reg.host(), "", false, ""}, std::nullopt);
    auto e = error_of([&] { c.ping(); });
    CHECK(e.code() == Errc::unavailable);
    CHECK_THAT(e.what(), Catch::Contains("server gave HTTP response to HTTPS client"));
  }
  SECTION("cancel aborts a transfer") {
    TestRegistry reg;
    auto img = reg.push_image("big", "latest");
    core::sys::CancelToken cancel;
    RegistryClient c(plain(reg), std::nullopt, &cancel);
    std::size_t got = 0;
    auto e = error_of([&] {
      c.get_blob("big", Digest::parse(img.layer_digests[0]), [&](std::string_view chunk) {
        got += chunk.size();
        cancel.cancel();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      });
    });
    CHECK(e.code() == Errc::unavailable);
    CHECK_THAT(e.what(), Catch::Contains("cancelled"));
    CHECK(got < 2'000'000);
  }
}

TEST_CASE("registry endpoints: registries.conf and policy.json", "[registry]") {
  using core::images::parse_reference;
  using core::registry::pull_sources;
  using core::registry::push_target;
  core::RegistriesConfig conf;

  SECTION("no entry: the reference's own registry, docker.io on registry-1.docker.io") {
    auto s = pull_sources(conf, parse_reference("busybox").normalized(), std::nullopt);
    REQUIRE(s.size() == 1);
    CHECK(s[0].endpoint.host == "registry-1.docker.io");
    CHECK(s[0].repo == "library/busybox");
    CHECK(s[0].registry == "docker.io");
    CHECK_FALSE(s[0].endpoint.insecure);
  }
  SECTION("mirrors first, then the location; push ignores mirrors") {
    conf.registries.push_back(
        {"docker.io", "docker.io", false, false, {{"mirror.example:5000", true}, {"other.example/docker-hub", false}}});
    auto ref = parse_reference("docker.io/library/alpine:3").normalized();
    auto s = pull_sources(conf, ref, std::nullopt);
    REQUIRE(s.size() == 3);
    CHECK(s[0].endpoint.host == "mirror.example:5000");
    CHECK(s[0].endpoint.insecure);
    CHECK(s[0].mirror);
    CHECK(s[0].repo == "library/alpine");
    CHECK(s[1].endpoint.host == "other.example");
    CHECK(s[1].endpoint.path == "docker-hub");
    CHECK(s[1].repo == "library/alpine");
    CHECK(s[2].endpoint.host == "registry-1.docker.io");
    CHECK_FALSE(s[2].mirror);
    CHECK(push_target(conf, ref, std::nullopt).endpoint.host == "registry-1.docker.io");
  }
  SECTION("mirror-by-digest-only and pull-from-mirror choose mirrors by reference kind") {
    core::Registry reg{"docker.io", "docker.io", false, false, {{"all.example", false}}};
    reg.mirrors.push_back({"digests.example", false, "digest-only"});
    reg.mirrors.push_back({"tags.example", false, "tag-only"});
    conf.registries.push_back(reg);
    auto hosts = [&](const std::string& ref) {
      std::vector<std::string> out;
      for (const auto& s : pull_sources(conf, parse_reference(ref).normalized(), std::nullopt))
        out.push_back(s.endpoint.host);
      return out;
    };
    std::string digest = "busybox@sha256:" + std::string(64, 'a');
    CHECK(hosts("busybox:1") == std::vector<std::string>{"all.example", "tags.example", "registry-1.docker.io"});
    CHECK(hosts(digest) == std::vector<std::string>{"all.example", "digests.example", "registry-1.docker.io"});
    conf.registries.back().mirror_by_digest_only = true;
    CHECK(hosts("busybox:1") == std::vector<std::string>{"registry-1.docker.io"});
    CHECK(hosts(digest) ==
          std::vector<std::string>{"all.example", "digests.example", "tags.example", "registry-1.docker.io"});
  }
  SECTION("longest prefix wins and rewrites the path") {
    conf.registries.push_back({"example.com", "example.com", false, false, {}});
    conf.registries.push_back({"example.com/team", "internal.example:5000/mirrored", true, false, {}});
    auto s = pull_sources(conf, parse_reference("example.com/team/app:1").normalized(), std::nullopt);
    REQUIRE(s.size() == 1);
    CHECK(s[0].endpoint.host == "internal.example:5000");
    CHECK(s[0].endpoint.path == "mirrored");
    CHECK(s[0].repo == "app");
    CHECK(s[0].endpoint.insecure);
    CHECK(s[0].registry == "example.com");
    // tls_verify overrides in both directions.
    CHECK_FALSE(pull_sources(conf, parse_reference("example.com/team/app").normalized(), true)[0].endpoint.insecure);
    CHECK(pull_sources(conf, parse_reference("example.com/x").normalized(), false)[0].endpoint.insecure);
  }
  SECTION("wildcard prefix") {
    conf.registries.push_back({"*.corp.example", "", true, false, {}});
    auto s = pull_sources(conf, parse_reference("reg.corp.example/a/b").normalized(), std::nullopt);
    REQUIRE(s.size() == 1);
    CHECK(s[0].endpoint.host == "reg.corp.example");
    CHECK(s[0].repo == "a/b");
    CHECK(s[0].endpoint.insecure);
  }
  SECTION("blocked") {
    conf.registries.push_back({"quay.io", "quay.io", false, true, {}});
    auto e = error_of([&] { pull_sources(conf, parse_reference("quay.io/a/b").normalized(), std::nullopt); });
    CHECK(e.code() == Errc::forbidden);
    CHECK_THAT(e.what(), Catch::Contains("blocked"));
    CHECK(error_of([&] { push_target(conf, parse_reference("quay.io/a/b").normalized(), std::nullopt); }).code() ==
          Errc::forbidden);
  }
  SECTION("certs.d directory from CONTAINERS_CERTS_D") {
    TempDir certs;
    certs.write("h.example:5000/ca.crt", "");
    ScopedEnv env("CONTAINERS_CERTS_D", certs.path());
    auto s = pull_sources(conf, parse_reference("h.example:5000/a").normalized(), std::nullopt);
    CHECK(s[0].endpoint.certs_dir == certs.sub("h.example:5000"));
  }
  SECTION("policy.json reject") {
    TempDir dir;
    ScopedEnv env("CONTAINERS_POLICY_JSON", dir.write("policy.json", R"({"default":[{"type":"insecureAcceptAnything"}],
      "transports":{"docker":{"bad.example":[{"type":"reject"}],
                              "bad.example/ok":[{"type":"insecureAcceptAnything"}]}}})"));
    CHECK_NOTHROW(core::registry::check_policy(parse_reference("busybox").normalized()));
    CHECK_NOTHROW(core::registry::check_policy(parse_reference("bad.example/ok/x").normalized()));
    auto e = error_of([&] { core::registry::check_policy(parse_reference("bad.example/evil:1").normalized()); });
    CHECK(e.code() == Errc::forbidden);
    CHECK_THAT(e.what(), Catch::Contains("rejected by policy"));
    ScopedEnv missing("CONTAINERS_POLICY_JSON", dir.sub("absent.json"));
    CHECK_NOTHROW(core::registry::check_policy(parse_reference("bad.example/evil:1").normalized()));
  }
}

TEST_CASE("registry credentials: request, auth.json and docker config.json", "[registry]") {
  using core::registry::find_credentials;
  using core::registry::normalize_registry_host;
  CHECK(normalize_registry_host("https://index.docker.io/v1/") == "docker.io");
  CHECK(normalize_registry_host("registry-1.docker.io") == "docker.io");
  CHECK(normalize_registry_host("http://h:5000/v2/") == "h:5000");

  TempDir dir;
  ScopedEnv auth_file("REGISTRY_AUTH_FILE", dir.write("auth.json", R"({"auths": {
      "h:5000": {"auth": "dXNlcjpwYTpzcw=="},
      "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="}}})"));
  ScopedEnv runtime("XDG_RUNTIME_DIR", dir.sub("run"));
  ScopedEnv home("HOME", dir.sub("home"));
  ScopedEnv docker_config("DOCKER_CONFIG", dir.sub("docker"));
  dir.write("docker/config.json", R"({"auths": {"other:1": {"auth": "ZDpl", "identitytoken": "tok"}}})");

  auto c = find_credentials("h:5000", {});
  REQUIRE(c);
  CHECK(c->username == "user");
  CHECK(c->password == "pa:ss");
  c = find_credentials("registry-1.docker.io", {});
  REQUIRE(c);
  CHECK(c->username == "hub");
  c = find_credentials("other:1", {});
  REQUIRE(c);
  CHECK(c->username == "d");
  CHECK(c->identity_token == "tok");
  CHECK_FALSE(find_credentials("nowhere:1", {}));
  // The request's own credentials come first.
  c = find_credentials("h:5000", {{"http://h:5000/v2/", Credentials{"given", "pw", "", ""}}});
  REQUIRE(c);
  CHECK(c->username == "given");
}

TEST_CASE("registry client: credentials from REGISTRY_AUTH_FILE against Basic auth", "[registry]") {
  TestRegistry reg({.auth = RegistryAuth::htpasswd});
  reg.push_image("private/app", "latest");
  TempDir dir;
  // "auth" is base64("berthuser:berthpass"), the fixture's default credentials.
  nlohmann::json auth = {{"auths", {{"http://" + reg.host() + "/v2/", {{"auth", "YmVydGh1c2VyOmJlcnRocGFzcw=="}}}}}};
  ScopedEnv env("REGISTRY_AUTH_FILE", dir.write("auth.json", auth.dump()));
  auto creds = core::registry::find_credentials(reg.host(), {});
  REQUIRE(creds);
  RegistryClient c(plain(reg), creds);
  CHECK_NOTHROW(c.get_manifest("private/app", "latest"));
}

TEST_CASE("registry credentials: docker-credential helpers (credHelpers, credsStore) against Basic auth",
          "[registry]") {
  TestRegistry reg({.auth = RegistryAuth::htpasswd});
  reg.push_image("private/app", "latest");
  TempDir dir;
  // Two helpers, as docker-credential-* programs on PATH: "berthtest" knows the registry (and logs what it was
  // asked), "tokenstore" answers everything with an identity token, "empty" knows nothing.
  std::string bin = dir.sub("bin");
  std::filesystem::create_directories(bin);
  auto helper = [&](const std::string& name, const std::string& body) {
    std::string path = bin + "/docker-credential-" + name;
    std::ofstream(path) << "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread server\necho \"$server\" >> " +
                               dir.sub("asked") + "\n" + body;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  };
  helper("berthtest", "[ \"$server\" = " + reg.host() +
                          " ] || { echo 'credentials not found in native keychain'; exit 1; }\n"
                          "echo '{\"ServerURL\":\"'$server'\",\"Username\":\"" +
                          reg.user() + "\",\"Secret\":\"" + reg.password() + "\"}'\n");
  helper("tokenstore", "echo '{\"Username\":\"<token>\",\"Secret\":\"refresh-me\"}'\n");
  helper("empty", "exit 1\n");
  ScopedEnv path("PATH", bin + ":" + std::string(::getenv("PATH")));
  ScopedEnv runtime("XDG_RUNTIME_DIR", dir.sub("run"));
  ScopedEnv home("HOME", dir.sub("home"));
  ScopedEnv docker_config("DOCKER_CONFIG", dir.sub("docker"));
  ScopedEnv auth_file(
      "REGISTRY_AUTH_FILE",
      dir.write("auth.json",
                nlohmann::json{{"credHelpers", {{reg.host(), "berthtest"}, {"nohelper:1", "absent-helper"}}},
                               {"credsStore", "tokenstore"},
                               {"auths", {{"stored:1", {{"auth", "c3RvcmVkOnB3"}}}}}}
                    .dump()));

  auto creds = core::registry::find_credentials(reg.host(), {});
  REQUIRE(creds);
  CHECK(creds->username == reg.user());
  RegistryClient c(plain(reg), creds);
  CHECK_NOTHROW(c.get_manifest("private/app", "latest"));
  // An entry in auths wins over the default store; the store answers for the rest.
  creds = core::registry::find_credentials("stored:1", {});
  REQUIRE(creds);
  CHECK(creds->username == "stored");
  creds = core::registry::find_credentials("docker.io", {});
  REQUIRE(creds);
  CHECK(creds->identity_token == "refresh-me");
  CHECK(creds->username.empty());
  // A helper that is not installed gives nothing rather than failing the lookup.
  CHECK_FALSE(core::registry::find_credentials("nohelper:1", {}));
  std::ifstream asked(dir.sub("asked"));
  std::string all((std::istreambuf_iterator<char>(asked)), {});
  CHECK(all == reg.host() + "\nhttps://index.docker.io/v1/\n");

  ScopedEnv empty_store("REGISTRY_AUTH_FILE", dir.write("auth2.json", R"({"credsStore": "empty"})"));
  CHECK_FALSE(core::registry::find_credentials("docker.io", {}));
}

}  // namespace berth::test
