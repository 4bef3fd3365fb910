// What a handler sees of a request: method, routed path parameters, version, query, headers and body.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "server/http/headers.hpp"
#include "server/http/query.hpp"
#include "server/http/version.hpp"

namespace berth::http {

struct Request {
  std::string method;  // "GET"
  std::string target;  // as received: "/v1.41/containers/json?all=1"
  std::string path;    // without the version prefix and query, still percent-encoded
  Tree tree = Tree::compat;
  ApiVersion version;
  bool version_given = false;  // the path carried a /vX prefix
  Query query;
  Headers headers;
  std::string body;
  std::map<std::string, std::string, std::less<>> params;  // decoded path parameters

  // A path parameter the route declares; decoded ("a%2Fb" -> "a/b").
  const std::string& param(std::string_view name) const;
};

}  // namespace berth::http
