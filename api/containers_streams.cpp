// The container handlers of the libpod tree whose answers come from a Source (wait, logs), and top.
#include <optional>

#include "api/containers.hpp"
#include "api/shapes/containers.hpp"
#include "compat/shapes/containers.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "server/http/framing.hpp"

namespace berth::api::container_handlers {
namespace {

// since/until as podman's ParseInputTime reads them (RFC 3339, unix seconds, a duration). podman --remote always
// sends both, as Go's zero time "0001-01-01T00:00:00Z", which means unbounded (as does "0" for until).
std::optional<std::int64_t> log_time(const http::Query& query, std::string_view key) {
  auto value = query.string(key);
  if (value.empty() || value == "0" || value.rfind("0001-01-01", 0) == 0) return std::nullopt;
  return core::parse_filter_time(value, core::now_ns());
}

// tail: "all" or a number (podman --remote sends -1); negative means everything.
std::optional<std::int64_t> log_tail(const http::Query& query) {
  auto value = query.string("tail", "all");
  if (value == "all" || value.empty()) return std::nullopt;
  auto n = query.integer("tail", -1);  // 400 naming "tail" when it is not a number
  return n < 0 ? std::nullopt : std::optional<std::int64_t>(n);
}

// podman's default top columns (psgo's user,pid,ppid,pcpu,etime,tty,time,args) in the host ps's spelling, and its
// descriptor lists ("pid,args") as ps -o. Anything starting with "-" goes to ps as it is.
std::string ps_args(const http::Query& query) {
  std::string args;
  for (const auto& a : query.list("ps_args")) args += (args.empty() ? "" : ",") + a;
  if (args.empty()) return "-o user,pid,ppid,pcpu,etime,tty=TTY -o time,args";
  return args.front() == '-' ? args : "-o " + args;
}

}  // namespace

// GET /libpod/containers/{name}/top?ps_args= (podman's `stream` is not honoured: one answer)
http::Reply top(const http::Request& req, ContainerService& containers) {
  return http::Reply::json(compat::shapes::top_json(containers.top(req.param("name"), ps_args(req.query))));
}

// POST /libpod/containers/{name}/wait?condition=&interval= → the exit code as a bare text line ("3\n"). A one-item
// stream, so no worker waits for the container; interval (podman's poll period) means nothing without polling.
http::Reply wait(const http::Request& req, ContainerService& containers) {
  auto conditions = req.query.list("condition");
  if (conditions.empty()) conditions = {"stopped", "exited"};  // podman's default: stopped or exited
  auto source = containers.wait(req.param("name"), conditions);
  return http::Reply::stream(http::Framing::raw, std::move(source),
                             [](const core::containers::WaitResult& r) { return std::to_string(r.exit_code) + "\n"; });
}

// GET /libpod/containers/{name}/logs?stdout=&stderr=&follow=&since=&until=&timestamps=&tail=. Unlike the docker
// tree, libpod frames every record with the mux header, even with a TTY.
http::Reply logs(const http::Request& req, ContainerService& containers) {
  core::containers::LogOptions opts{.stdout = req.query.flag("stdout"),
                                    .stderr = req.query.flag("stderr"),
                                    .follow = req.query.flag("follow"),
                                    .since = log_time(req.query, "since"),
                                    .until = log_time(req.query, "until"),
                                    .tail = log_tail(req.query)};
  if (!opts.stdout && !opts.stderr)
    core::fail(core::Errc::invalid_argument, "Bad Request: you must choose at least one stream");
  auto logs = containers.logs(req.param("name"), opts);
  // Records are framed here, many to a chunk, so the chunks go out raw (same Content-Type as a mux stream).
  shapes::LibpodLogShape shape{.timestamps = req.query.flag("timestamps")};
  return http::Reply::chunks(http::Framing::raw, core::containers::log_chunks(std::move(logs.lines), shape));
}

}  // namespace berth::api::container_handlers
