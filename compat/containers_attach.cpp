// The docker tree's attach (a hijacked connection or a websocket to the container's stdio) and TTY resize.
#include "compat/containers.hpp"
#include "core/error.hpp"

namespace berth::compat::container_handlers {
namespace {

// Attach options as podman's shared handler reads them: stdin/stdout/stderr all default to true unless one of
// them is given; detachKeys present but empty disables detaching. Both trees use it.
core::containers::AttachOptions attach_options(const http::Query& query) {
  core::containers::AttachOptions opts{.stream = query.flag("stream", true),
                                       .logs = query.flag("logs"),
                                       .detach_keys = query.optional_string("detachKeys")};
  if (query.has("stdin") || query.has("stdout") || query.has("stderr")) {
    opts.stdin = query.flag("stdin");
    opts.stdout = query.flag("stdout");
    opts.stderr = query.flag("stderr");
    if (!opts.stdin && !opts.stdout && !opts.stderr)
      core::fail(core::Errc::invalid_argument, "at least one of stdin, stdout, stderr must be true");
  }
  if (!opts.stream && !opts.logs)
    core::fail(core::Errc::invalid_argument, "at least one of Logs or Stream must be set");
  return opts;
}

// The websocket attach's options, read as moby does: every flag defaults to false.
core::containers::AttachOptions websocket_options(const http::Query& query) {
  core::containers::AttachOptions opts{.stream = query.flag("stream"),
                                       .logs = query.flag("logs"),
                                       .stdin = query.flag("stdin"),
                                       .stdout = query.flag("stdout"),
                                       .stderr = query.flag("stderr"),
                                       .detach_keys = query.optional_string("detachKeys")};
  if (!opts.stream && !opts.logs)
    core::fail(core::Errc::invalid_argument, "at least one of Logs or Stream must be set");
  return opts;
}

}  // namespace

// GET /containers/{name}/attach/ws?stream=&logs=&stdin=&stdout=&stderr=&detachKeys=: the same attach over a
// websocket (binary messages of raw output, messages in as stdin). 404/409 stay JSON: the upgrade comes after.
http::Reply attach_ws(const http::Request& req, ContainerService& containers) {
  return http::Reply::websocket(containers.attach(req.param("name"), websocket_options(req.query)));
}

// POST /containers/{name}/attach?stream=&logs=&stdin=&stdout=&stderr=&detachKeys=. Errors (404, 409) are still
// plain JSON replies: the hijack only happens once the engine is connected.
http::Reply attach(const http::Request& req, ContainerService& containers) {
  return http::Reply::hijack(containers.attach(req.param("name"), attach_options(req.query)));
}

// POST /containers/{name}/resize?h=&w= (podman answers 200 with no body, "for compatibility").
http::Reply resize(const http::Request& req, ContainerService& containers) {
  containers.resize(req.param("name"), static_cast<int>(req.query.integer("h", 0)),
                    static_cast<int>(req.query.integer("w", 0)));
  return http::Reply::empty(200);
}

}  // namespace berth::compat::container_handlers
