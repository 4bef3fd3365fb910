// The test token server behind TestRegistry's Bearer mode (private to tests/support).
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace berth::test {

// Issues RS256 JWTs the way docker-registry's token auth expects: header x5c = [the signing cert], claims iss,
// sub, aud = service, exp, nbf, iat, jti and access. Right Basic credentials get every requested action, none
// get a token without access (as Docker Hub for a private repository), wrong ones get 401.
class TokenServer {
 public:
  static constexpr const char* kService = "berth-test-registry";
  static constexpr const char* kIssuer = "berth-test-issuer";

  TokenServer(const std::string& dir, std::string user, std::string password);
  ~TokenServer();
  TokenServer(const TokenServer&) = delete;
  TokenServer& operator=(const TokenServer&) = delete;

  std::string realm() const { return "http://127.0.0.1:" + std::to_string(port_) + "/token"; }
  const std::string& cert_path() const { return cert_path_; }
  // A token for the scopes ("repository:R:pull,push"), as the server would issue to `subject`.
  std::string mint(const std::vector<std::string>& scopes, const std::string& subject) const;
  int requests() const { return requests_.load(); }

 private:
  void serve();
  void answer(int fd);

  std::string user_, password_, key_path_, cert_path_, cert_der_b64_;
  void* key_ = nullptr;  // EVP_PKEY*
  int listen_fd_ = -1, stop_fd_ = -1, port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace berth::test
