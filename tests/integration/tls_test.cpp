// tcp listeners on 127.0.0.1: TLS with client certificates (docker's --tlsverify model) for curl and the docker
// CLI, and plain tcp on loopback.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/integration/common.hpp"

using namespace berth::test;
namespace fs = std::filesystem;

namespace {

// A CA, a server certificate for IP 127.0.0.1 and a client certificate, made with the openssl CLI in a temp dir.
// The client files are also laid out as docker's DOCKER_CERT_PATH wants them (ca.pem, cert.pem, key.pem).
class TestPki {
 public:
  TestPki() {
    std::string tmpl = "/tmp/berth-pki-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    try {
      generate();
    } catch (...) {
      remove();
      throw;
    }
  }
  ~TestPki() { remove(); }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  std::string ca() const { return dir_ + "/ca.pem"; }
  std::string ca_key() const { return dir_ + "/ca-key.pem"; }
  std::string server_cert() const { return dir_ + "/server-cert.pem"; }
  std::string server_key() const { return dir_ + "/server-key.pem"; }
  std::string client_cert() const { return dir_ + "/client-cert.pem"; }
  std::string client_key() const { return dir_ + "/client-key.pem"; }
  std::string docker_dir() const { return dir_ + "/docker"; }

 private:
  void remove() noexcept {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void generate() {
    fs::create_directories(docker_dir());
    std::ofstream(dir_ + "/openssl.cnf") << R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = berth-test
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
)";
    const std::string cnf = dir_ + "/openssl.cnf";
    const std::vector<std::string> ec_key = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
    auto openssl = [&](std::vector<std::string> args) {
      args.insert(args.begin(), "openssl");
      auto r = run(args);
      INFO(r.describe());
      REQUIRE(r.exit_code == 0);
    };
    auto with_key = [&](std::vector<std::string> head, std::vector<std::string> tail) {
      head.insert(head.end(), ec_key.begin(), ec_key.end());
      head.insert(head.end(), tail.begin(), tail.end());
      return head;
    };
    openssl(with_key({"req", "-x509", "-config", cnf, "-extensions", "ca_ext", "-days", "2"},
                     {"-keyout", ca_key(), "-out", ca(), "-subj", "/CN=berth-test-ca"}));
    int serial = 2;
    for (auto [name, ext, cn] :
         {std::tuple{"server", "server_ext", "127.0.0.1"}, std::tuple{"client", "client_ext", "berth-test-client"}}) {
      std::string base = dir_ + "/" + name;
      openssl(with_key({"req", "-new", "-config", cnf},
                       {"-keyout", base + "-key.pem", "-out", base + ".csr", "-subj", std::string("/CN=") + cn}));
      openssl({"x509", "-req", "-in", base + ".csr", "-CA", ca(), "-CAkey", ca_key(), "-set_serial",
               std::to_string(serial++), "-days", "2", "-extfile", cnf, "-extensions", ext, "-out",
               base + "-cert.pem"});
    }
    fs::copy_file(ca(), docker_dir() + "/ca.pem");
    fs::copy_file(client_cert(), docker_dir() + "/cert.pem");
    fs::copy_file(client_key(), docker_dir() + "/key.pem");
  }

  std::string dir_;
};

}  // namespace

TEST_CASE("TLS with client certificates lets curl and docker in and keeps a client without one out",
          "[integration][tls]") {
  TestPki pki;
  int port = free_tcp_port();
  std::string address = "tcp://127.0.0.1:" + std::to_string(port);
  Berthd d({.listen = {address},
            .args = {"--tls-cert", pki.server_cert(), "--tls-key", pki.server_key(), "--tls-verify-ca", pki.ca()}});

  auto client = ApiClient::tls("127.0.0.1", port, {.ca = pki.ca(), .cert = pki.client_cert(), .key = pki.client_key()});
  {
    INFO("--- berthd log ---\n" << d.log_tail());
    auto r = t(client, "GET", "/_ping", 200);
    CHECK(r.body == "OK");
    CHECK(r.header("API-Version") == "1.41");
  }

  auto anonymous = ApiClient::tls("127.0.0.1", port, {.ca = pki.ca()});
  CHECK_THROWS(anonymous.request("GET", "/_ping"));

  // Plain HTTP on the TLS port gets no API answer.
  auto plain = ApiClient::tcp("127.0.0.1", port);
  try {
    auto r = plain.request("GET", "/_ping");
    CHECK(r.status != 200);
  } catch (const std::exception&) {
    SUCCEED("plain HTTP refused");
  }

  auto r = d.docker({"version"},
                    {{"DOCKER_HOST", address}, {"DOCKER_TLS_VERIFY", "1"}, {"DOCKER_CERT_PATH", pki.docker_dir()}});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 0);
  CHECK(std::regex_search(r.out, std::regex("Server:[\\s\\S]*API version:\\s+1\\.41")));

  // The server still answers the good client after the refused ones.
  t(client, "GET", "/_ping", 200);
}

TEST_CASE("TLS without --tls-verify-ca serves clients without certificates", "[integration][tls]") {
  TestPki pki;
  int port = free_tcp_port();
  Berthd d({.listen = {"tcp://127.0.0.1:" + std::to_string(port)},
            .args = {"--tls-cert", pki.server_cert(), "--tls-key", pki.server_key()}});
  auto client = ApiClient::tls("127.0.0.1", port, {.ca = pki.ca()});
  INFO("--- berthd log ---\n" << d.log_tail());
  auto r = t(client, "GET", "/_ping", 200);
  CHECK(r.body == "OK");
}

TEST_CASE("plain tcp on 127.0.0.1 serves the API", "[integration][tcp]") {
  int port = free_tcp_port();
  std::string address = "tcp://127.0.0.1:" + std::to_string(port);
  Berthd d({.listen = {address}});
  auto client = ApiClient::tcp("127.0.0.1", port);
  {
    INFO("--- berthd log ---\n" << d.log_tail());
    auto r = t(client, "GET", "/_ping", 200);
    CHECK(r.body == "OK");
  }
  auto r = d.docker({"version", "--format", "{{.Server.APIVersion}}"}, {{"DOCKER_HOST", address}});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "1.41\n");
  // No unix socket was asked for, so none was made.
  CHECK_FALSE(fs::exists(d.socket()));
}
