// RegistryClient's state: the transport, the scheme chosen for the endpoint, and the auth state the registry's
// challenges put us in (Basic, or Bearer tokens cached per scope).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/registry/challenge.hpp"
#include "core/registry/client.hpp"
#include "core/registry/http.hpp"

namespace berth::core::registry {

struct RegistryClient::Impl {
  Impl(Endpoint e, std::optional<Credentials> c, const sys::CancelToken* cancel);

  Endpoint endpoint;
  std::optional<Credentials> credentials;
  const sys::CancelToken* cancel;
  detail::CurlSession session;
  std::string scheme;  // "https" or "http"; decided on the first request to an insecure endpoint

  enum class Auth { none, basic, bearer } auth = Auth::none;
  detail::Challenge bearer;  // realm and service of the last Bearer challenge
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  std::map<std::string, Token> tokens;  // by scope

  // "scheme://host" (a mirror's path prefix is part of repo_path()).
  std::string base(std::string_view context);
  std::string repo_path(std::string_view repo) const;
  std::string url(std::string_view path_and_query, std::string_view context) {
    return base(context) + std::string(path_and_query);
  }

  // Sends `request` with the auth the endpoint wants for `scope` ("repository:R:pull", "" for /v2/), answering
  // one 401 challenge. Transport failures throw unavailable with `context`; statuses are the caller's to judge.
  detail::HttpResponse send(detail::HttpRequest request, const std::string& scope, std::string_view context);

  // Throws the Error an unexpected status means. `not_found` is the cause for 404 (NAME_UNKNOWN becomes
  // "repository H/R not found" when `repo` is given).
  [[noreturn]] void fail_status(const detail::HttpResponse& r, std::string_view context, std::string_view not_found,
                                std::string_view repo = {});

  // GETs `first` and the pages its Link headers name, collecting the string array `key`.
  std::vector<std::string> paged_list(const std::string& first, const std::string& key, const std::string& scope,
                                      const std::string& context, std::string_view repo);

 private:
  std::string token_for(const std::string& scope, std::string_view context, bool fresh);
  std::optional<std::string> auth_header(const std::string& scope, std::string_view context);
};

// "repository:R:pull" / "repository:R:pull,push".
inline std::string pull_scope(const std::string& repo) { return "repository:" + repo + ":pull"; }
inline std::string push_scope(const std::string& repo) { return "repository:" + repo + ":pull,push"; }

// The first {"errors":[{"code","message"}]} entry as "code: message" ("unauthorized: authentication required"),
// or "" when the body has none.
std::string registry_error_text(const std::string& body, std::string* code = nullptr);

}  // namespace berth::core::registry
