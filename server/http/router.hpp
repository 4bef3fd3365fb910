// The route table of both trees. Every route answers with and without a /v{X}[.{Y}[.{Z}]] prefix; the tree
// (libpod or compat) follows from the path. Unknown path -> 404, known path with another method -> 405.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/reply.hpp"
#include "server/http/request.hpp"

namespace berth::core {
struct Engine;
}

namespace berth::http {

using EngineHandler = Reply (*)(const Request&, core::Engine&);
using Handler = std::function<Reply(const Request&)>;

struct RouteOptions {
  // Run on the work pool (the default) or inline on the IO thread (only for handlers that never block).
  bool blocking = true;
  // The body is not buffered (no size limit): the handler reads it from req.body_fd() while it arrives. Uploads
  // (load, import, archive PUT, build context). Implies blocking.
  bool streamed_body = false;
};

struct Route {
  std::string method;
  std::string pattern;  // "/libpod/containers/{name}/json"; {name*} spans several segments
  Handler handler;
  RouteOptions options;
  std::vector<std::string> segments;  // pattern split at '/'
};

class Router {
 public:
  // Engine handlers are bound to `engine`; a router for tests may have none and take plain Handlers.
  explicit Router(core::Engine* engine = nullptr) : engine_(engine) {}

  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  void add(std::string method, std::string pattern, EngineHandler handler, RouteOptions options = {});

  template <class H>
  void get(std::string pattern, H handler, RouteOptions o = {}) {
    add("GET", std::move(pattern), handler, o);
  }
  template <class H>
  void head(std::string pattern, H handler, RouteOptions o = {}) {
    add("HEAD", std::move(pattern), handler, o);
  }
  template <class H>
  void post(std::string pattern, H handler, RouteOptions o = {}) {
    add("POST", std::move(pattern), handler, o);
  }
  template <class H>
  void put(std::string pattern, H handler, RouteOptions o = {}) {
    add("PUT", std::move(pattern), handler, o);
  }
  template <class H>
  void del(std::string pattern, H handler, RouteOptions o = {}) {
    add("DELETE", std::move(pattern), handler, o);
  }

  // Routes req (method and target set): fills path, tree, version, query and params, and returns the route.
  // Returns nullptr with `error` set to the 400/404/405 reply when nothing serves it.
  const Route* route(Request& req, Reply& error) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  core::Engine* engine_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::map<std::string, std::vector<const Route*>, std::less<>> by_first_segment_;
};

// Runs the handler and turns any exception into its error reply.
Reply invoke(const Route& route, const Request& req);

}  // namespace berth::http
