// RegistryClient's request path: scheme choice for insecure endpoints, challenge-driven Basic/Bearer auth with
// tokens cached per scope, and the mapping of registry statuses to Errc.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/registry/base64.hpp"
#include "core/registry/client_impl.hpp"

namespace berth::core::registry {

using detail::HttpRequest;
using detail::HttpResponse;
using detail::TransportError;

RegistryClient::Impl::Impl(Endpoint e, std::optional<Credentials> c, const sys::CancelToken* cancel_token)
    : endpoint(std::move(e)),
      credentials(std::move(c)),
      cancel(cancel_token),
      session(detail::TlsSettings{!endpoint.insecure, endpoint.certs_dir}, cancel_token) {
  if (credentials && credentials->empty()) credentials.reset();
  if (!endpoint.insecure) scheme = "https";
  // A registry token is a bearer token handed to us: it is sent as is, whatever the scope.
  if (credentials && !credentials->registry_token.empty()) auth = Auth::bearer;
}

namespace {

constexpr long kProbeTimeoutS = 15;

[[noreturn]] void fail_transport(const TransportError& e, std::string_view context) {
  fail(Errc::unavailable, e.text, context);
}

}  // namespace

std::string RegistryClient::Impl::base(std::string_view context) {
  if (scheme.empty()) {
    // Like c/image and docker: an insecure registry is tried over https (unverified) first, then over plain http
    // after any failure, a timeout too (a plain server may sit silent on a TLS hello). The probe gets a short
    // limit of its own so that fallback comes soon.
    HttpRequest probe;
    probe.url = "https://" + endpoint.host + "/v2/";
    probe.timeout_s = std::min(detail::stall_timeout_s(), kProbeTimeoutS);
    HttpResponse r;
    TransportError err;
    if (session.perform(probe, r, err)) {
      scheme = "https";
    } else {
      if (err.cancelled) fail_transport(err, context);
      scheme = "http";
    }
  }
  return scheme + "://" + endpoint.host;
}

std::string RegistryClient::Impl::repo_path(std::string_view repo) const {
  return endpoint.path.empty() ? std::string(repo) : endpoint.path + "/" + std::string(repo);
}

std::string registry_error_text(const std::string& body, std::string* code) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) return {};
  auto errors = doc.find("errors");
  if (errors == doc.end() || !errors->is_array() || errors->empty() || !(*errors)[0].is_object()) {
    // Token servers answer {"details": "..."} or {"error": "..."}.
    for (const char* key : {"details", "error", "message"})
      if (doc.contains(key) && doc[key].is_string()) return doc[key].get<std::string>();
    return {};
  }
  const auto& e = (*errors)[0];
  std::string c = e.value("code", std::string());
  std::string m = e.value("message", std::string());
  if (code) *code = c;
  std::string lc;
  for (char ch : c) lc += ch == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lc.empty()) return m;
  return m.empty() ? lc : lc + ": " + m;
}

std::string RegistryClient::Impl::token_for(const std::string& scope, std::string_view context, bool fresh) {
  auto now = std::chrono::steady_clock::now();
  if (!fresh) {
    auto it = tokens.find(scope);
    if (it != tokens.end() && it->second.expires > now) return it->second.value;
  }
  std::string realm = bearer.param("realm");
  if (realm.empty()) fail(Errc::unavailable, "bearer challenge without a realm", context);
  std::string service = bearer.param("service");
  HttpRequest req;
  std::string form;
  if (credentials && !credentials->identity_token.empty()) {
    // docker's identity token is an OAuth2 refresh token: exchanged with a POST to the realm.
    req.method = "POST";
    req.url = realm;
    form = "grant_type=refresh_token&client_id=berth&refresh_token=" + detail::url_escape(credentials->identity_token) +
           "&service=" + detail::url_escape(service);
    if (!scope.empty()) form += "&scope=" + detail::url_escape(scope);
    req.body = form;
    req.headers.push_back("Content-Type: application/x-www-form-urlencoded");
  } else {
    req.url = realm + (realm.find('?') == std::string::npos ? "?" : "&") + "service=" + detail::url_escape(service);
    // Several scopes are space-separated in our keys and separate parameters on the wire.
    std::size_t start = 0;
    while (start < scope.size()) {
      std::size_t end = scope.find(' ', start);
      if (end == std::string::npos) end = scope.size();
      req.url += "&scope=" + detail::url_escape(scope.substr(start, end - start));
      start = end + 1;
    }
    if (credentials && !credentials->username.empty())
      req.headers.push_back("Authorization: Basic " +
                            detail::base64_encode(credentials->username + ":" + credentials->password));
  }
  HttpResponse r;
  TransportError err;
  if (!session.perform(req, r, err)) fail(Errc::unavailable, err.text, std::string(context) + ": fetching token");
  if (r.status == 401 || r.status == 403) {
    std::string text = registry_error_text(r.body);
    fail(Errc::unauthorized, text.empty() ? "invalid username/password" : "invalid username/password: " + text,
         context);
  }
  if (r.status != 200) {
    std::string text = registry_error_text(r.body);
    fail(Errc::unavailable, "token server answered " + std::to_string(r.status) + (text.empty() ? "" : ": " + text),
         context);
  }
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  std::string token;
  if (doc.is_object()) {
    token = doc.value("token", std::string());
    if (token.empty()) token = doc.value("access_token", std::string());
  }
  if (token.empty()) fail(Errc::unavailable, "token server sent no token", context);
  long expires_in = 60;  // the spec's default when the server names none
  if (doc.contains("expires_in") && doc["expires_in"].is_number_integer()) expires_in = doc["expires_in"].get<long>();
  // Renew a little early so a token does not expire between our check and the registry's.
  auto lifetime = std::chrono::seconds(std::max(0L, expires_in - 10));
  tokens[scope] = Token{token, now + lifetime};
  return token;
}

std::optional<std::string> RegistryClient::Impl::auth_header(const std::string& scope, std::string_view context) {
  if (credentials && !credentials->registry_token.empty())
    return "Authorization: Bearer " + credentials->registry_token;
  if (auth == Auth::basic && credentials)
    return "Authorization: Basic " + detail::base64_encode(credentials->username + ":" + credentials->password);
  // Once a registry has asked for Bearer, each new scope gets its token up front rather than after another 401.
  if (auth == Auth::bearer)
    return "Authorization: Bearer " + token_for(scope.empty() ? bearer.param("scope") : scope, context, false);
  return std::nullopt;
}

HttpResponse RegistryClient::Impl::send(HttpRequest request, const std::string& scope, std::string_view context) {
  const std::size_t plain_headers = request.headers.size();
  for (int attempt = 0;; ++attempt) {
    request.headers.resize(plain_headers);
    if (auto h = auth_header(scope, context)) request.headers.push_back(*h);
    HttpResponse r;
    TransportError err;
    if (!session.perform(request, r, err)) fail_transport(err, context);
    if (r.status != 401 || attempt > 0) return r;
    auto challenge = detail::parse_challenge(r.header("www-authenticate"));
    if (!challenge) return r;
    if (challenge->scheme == "basic") {
      if (!credentials || credentials->username.empty() || auth == Auth::basic) return r;
      auth = Auth::basic;
    } else if (challenge->scheme == "bearer") {
      if (credentials && !credentials->registry_token.empty()) return r;
      auth = Auth::bearer;
      bearer = *challenge;
      // A challenge without a scope (GET /v2/) still gets a token: that is how docker login checks credentials.
      token_for(scope.empty() ? challenge->param("scope") : scope, context, true);
    } else {
      return r;
    }
  }
}

void RegistryClient::Impl::fail_status(const HttpResponse& r, std::string_view context, std::string_view not_found,
                                       std::string_view repo) {
  std::string code;
  std::string text = registry_error_text(r.body, &code);
  auto or_status = [&](std::string fallback) { return text.empty() ? fallback : text; };
  switch (r.status) {
    case 401:
      fail(Errc::unauthorized, or_status("unauthorized: authentication required"), context);
    case 403:
      fail(Errc::forbidden, or_status("denied: requested access to the resource is denied"), context);
    case 404:
      if (code == "NAME_UNKNOWN" && !repo.empty())
        fail(Errc::not_found, "repository " + endpoint.host + "/" + repo_path(repo) + " not found", context);
      fail(Errc::not_found, not_found, context);
    case 413:
      fail(Errc::too_large, or_status("request entity too large"), context);
    default:
      break;
  }
  std::string status_text = "unexpected HTTP status " + std::to_string(r.status);
  if (r.status == 429 || r.status >= 500)
    fail(Errc::unavailable, text.empty() ? status_text : status_text + ": " + text, context);
  fail(Errc::invalid_argument, text.empty() ? status_text : status_text + ": " + text, context);
}

}  // namespace berth::core::registry
