// What a handler sees of a request: method, routed path parameters, version, query, headers and body.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/sys/fd.hpp"
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
  std::string body;  // buffered routes only
  // Streamed-body routes: the read end of a pipe the connection fills with the decoded body as it arrives; EOF at
  // its end, or early when the client leaves (a reader then sees a short body). Blocking reads, work pool only.
  std::shared_ptr<const core::sys::Fd> body_stream;
  std::map<std::string, std::string, std::less<>> params;  // decoded path parameters

  // A path parameter the route declares; decoded ("a%2Fb" -> "a/b").
  const std::string& param(std::string_view name) const;
  // The streamed body's fd, or -1 when the route buffers its body.
  int body_fd() const { return body_stream ? body_stream->get() : -1; }
};

}  // namespace berth::http
