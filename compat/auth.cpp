// POST /auth: checks an AuthConfig's credentials against its registry; nothing is stored (the docker CLI keeps them).
#include "compat/auth.hpp"

#include <nlohmann/json.hpp>

#include "compat/shapes/transfer.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "server/http/registry_auth.hpp"

namespace berth::compat {
namespace {

// docker's default index when the CLI sends no serveraddress.
constexpr std::string_view kDefaultServer = "https://index.docker.io/v1/";

// podman's one exception to TLS checks: a localhost registry is local testing.
std::optional<bool> tls_verify_for(std::string_view server) {
  for (std::string_view prefix : {"https://localhost/", "https://localhost:", "localhost:"})
    if (server.starts_with(prefix)) return false;
  return std::nullopt;
}

// POST /auth {username, password, serveraddress, identitytoken, …}
http::Reply login(const http::Request& req, core::Engine& engine) {
  auto body = nlohmann::json::parse(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
  auto creds = http::credentials_from_auth_config(body);
  std::string server = body.value("serveraddress", std::string());
  if (server.empty()) server = kDefaultServer;
  try {
    engine.images.login(server, creds, tls_verify_for(server));
  } catch (const core::Error& e) {
    throw e.wrap("login attempt to " + server + " failed with status");
  }
  return http::Reply::json(shapes::login_ok_json());
}

}  // namespace

void add_auth_routes(http::Router& router) { router.post("/auth", login); }

}  // namespace berth::compat
