// The token server: one blocking accept loop on 127.0.0.1, one GET per connection, JWTs signed with OpenSSL.
#include "tests/support/registry_token.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/registry/base64.hpp"

namespace berth::test {
namespace {

// The daemon's own codec: the fixture checks berthd with the same base64 it would use itself.
using core::registry::detail::base64_encode;
std::string b64(std::string_view bytes) { return base64_encode(bytes); }

std::string b64url(std::string_view bytes) {
  std::string s = b64(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

std::string unb64(std::string_view text) { return core::registry::detail::base64_decode(text).value_or(""); }

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

TokenServer::TokenServer(const std::string& dir, std::string user, std::string password)
    : user_(std::move(user)), password_(std::move(password)) {
  key_path_ = dir + "/token-key.pem";
  cert_path_ = dir + "/token-cert.pem";
  // A fresh key and self-signed certificate; docker-registry trusts the certificate through rootcertbundle.
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (!key) throw std::runtime_error("EVP_RSA_gen failed");
  key_ = key;
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 2 * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("berth-token"), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  if (X509_sign(cert, key, EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");
  FILE* f = std::fopen(cert_path_.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + cert_path_);
  PEM_write_X509(f, cert);
  std::fclose(f);
  unsigned char* der = nullptr;
  int der_len = i2d_X509(cert, &der);
  cert_der_b64_ = b64(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_len)));
  OPENSSL_free(der);
  X509_free(cert);

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("token server: cannot listen on 127.0.0.1");
  port_ = ntohs(addr.sin_port);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { serve(); });
}

TokenServer::~TokenServer() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(stop_fd_);
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

void TokenServer::serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents) return;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    try {
      answer(fd);
    } catch (...) {
    }
    ::close(fd);
  }
}

void TokenServer::answer(int fd) {
  std::string req;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (req.find("\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    req.append(buf, static_cast<std::size_t>(n));
  }
  ++requests_;
  std::string line = req.substr(0, req.find("\r\n"));
  std::string target = line.substr(line.find(' ') + 1);
  target = target.substr(0, target.find(' '));
  std::vector<std::string> scopes;
  if (auto q = target.find('?'); q != std::string::npos) {
    std::string query = target.substr(q + 1);
    for (std::size_t start = 0; start <= query.size();) {
      std::size_t end = query.find('&', start);
      if (end == std::string::npos) end = query.size();
      std::string kv = query.substr(start, end - start);
      if (kv.starts_with("scope=")) scopes.push_back(url_decode(kv.substr(6)));
      start = end + 1;
    }
  }
  // Header names are case-insensitive: search a lowercased copy.
  std::string lower = req;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string subject;
  bool anonymous = true;
  if (auto at = lower.find("\r\nauthorization: basic "); at != std::string::npos) {
    std::size_t start = at + std::string("\r\nauthorization: basic ").size();
    std::string creds = unb64(req.substr(start, req.find("\r\n", start) - start));
    if (creds != user_ + ":" + password_) {
      std::string body = R"({"details":"invalid username or password"})";
      write_all(fd,
                "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
      return;
    }
    subject = user_;
    anonymous = false;
  }
  std::string token = mint(anonymous ? std::vector<std::string>{} : scopes, subject);
  nlohmann::json body = {{"token", token}, {"access_token", token}, {"expires_in", 300}};
  std::string text = body.dump();
  write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                    std::to_string(text.size()) + "\r\n\r\n" + text);
}

std::string TokenServer::mint(const std::vector<std::string>& scopes, const std::string& subject) const {
  nlohmann::json access = nlohmann::json::array();
  for (const auto& scope : scopes) {
    // type:name:actions, where the name may itself hold ':' (a registry with a port never appears here).
    auto first = scope.find(':'), last = scope.rfind(':');
    if (first == std::string::npos || first == last) continue;
    nlohmann::json actions = nlohmann::json::array();
    std::string list = scope.substr(last + 1);
    for (std::size_t start = 0; start <= list.size();) {
      std::size_t end = list.find(',', start);
      if (end == std::string::npos) end = list.size();
      actions.push_back(list.substr(start, end - start));
      start = end + 1;
    }
    access.push_back(
        {{"type", scope.substr(0, first)}, {"name", scope.substr(first + 1, last - first - 1)}, {"actions", actions}});
  }
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  unsigned char jti[16];
  RAND_bytes(jti, sizeof jti);
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"x5c", {cert_der_b64_}}};
  nlohmann::json claims = {{"iss", kIssuer},
                           {"sub", subject},
                           {"aud", kService},
                           {"exp", now + 300},
                           {"nbf", now - 10},
                           {"iat", now},
                           {"jti", b64url(std::string_view(reinterpret_cast<char*>(jti), sizeof jti))},
                           {"access", access}};
  std::string signing_input = b64url(header.dump()) + "." + b64url(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t sig_len = 0;
  std::string sig;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, static_cast<EVP_PKEY*>(key_)) == 1 &&
      EVP_DigestSign(ctx, nullptr, &sig_len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) == 1) {
    sig.resize(sig_len);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                   reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
    sig.resize(sig_len);
  }
  EVP_MD_CTX_free(ctx);
  if (sig.empty()) throw std::runtime_error("token server: signing failed");
  return signing_input + "." + b64url(sig);
}

}  // namespace berth::test
