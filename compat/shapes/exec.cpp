// Exec bodies and documents shared by both trees: docker's ExecConfig and start body in, podman's
// InspectExecSession out.
#include "compat/shapes/exec.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <utility>

#include "core/error.hpp"
#include "server/http/json_fields.hpp"

namespace berth::compat::shapes {
namespace {

using json = nlohmann::json;
using http::JsonFields;

// The body as a JSON document; an empty body is {} (docker's clients always send one, curl users may not).
json parse_body(std::string_view body, std::string_view what) {
  if (std::all_of(body.begin(), body.end(), [](unsigned char c) { return std::isspace(c); })) return json::object();
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) core::fail(core::Errc::invalid_argument, "decode " + std::string(what) + ": malformed JSON");
  return doc;
}

// A terminal dimension: Go's uint16 (podman's "h"/"w" and the TTY's own limit).
int dimension(const json& v, const std::string& ptr) {
  auto n = http::json_to_int(v, ptr);
  if (n < 0 || n > 65535) http::bad_json_value(ptr, "out of range");
  return static_cast<int>(n);
}

// docker's ConsoleSize *[2]uint: [height, width]; Go fills missing elements with 0 and ignores extra ones.
std::pair<int, int> console_size(const JsonFields& body) {
  const json* v = body.find("ConsoleSize");
  if (!v) return {0, 0};
  auto ptr = body.at("ConsoleSize");
  if (!v->is_array()) http::bad_json_type(ptr, "[2]uint", *v);
  int h = v->size() > 0 ? dimension((*v)[0], ptr + "/0") : 0;
  int w = v->size() > 1 ? dimension((*v)[1], ptr + "/1") : 0;
  return {h, w};
}

}  // namespace

core::exec::ExecConfig exec_config_from_json(std::string_view body) {
  auto doc = parse_body(body, "exec create body");
  JsonFields f(&doc, "");
  core::exec::ExecConfig config;
  config.cmd = f.str_slice("Cmd").value_or(std::vector<std::string>{});
  config.env = f.strings("Env");
  for (const auto& kv : config.env)  // podman's ExecCreateHandler splits each into its environment map
    if (kv.find('=') == std::string::npos)
      core::fail(core::Errc::invalid_argument, "environment variable \"" + kv + "\" badly formed, must be key=value");
  config.working_dir = f.str("WorkingDir");
  config.user = f.str("User");
  config.privileged = f.flag("Privileged");
  config.tty = f.flag("Tty");
  config.attach_stdin = f.flag("AttachStdin");
  config.attach_stdout = f.flag("AttachStdout");
  config.attach_stderr = f.flag("AttachStderr");
  if (auto keys = f.str("DetachKeys"); !keys.empty()) config.detach_keys = std::move(keys);
  std::tie(config.console_height, config.console_width) = console_size(f);
  return config;
}

core::exec::ExecStartOptions exec_start_from_json(std::string_view body) {
  auto doc = parse_body(body, "exec start body");
  JsonFields f(&doc, "");
  core::exec::ExecStartOptions opts;
  opts.detach = f.flag("Detach");
  if (f.has("Tty")) opts.tty = f.flag("Tty");
  std::tie(opts.height, opts.width) = console_size(f);
  if (const json* h = f.find("h")) opts.height = dimension(*h, f.at("h"));
  if (const json* w = f.find("w")) opts.width = dimension(*w, f.at("w"));
  return opts;
}

json exec_create_reply_json(const std::string& id) { return {{"Id", id}}; }

json exec_inspect_json(const core::exec::ExecSession& s) {
  const auto& c = s.config;
  bool running = s.state == core::exec::ExecState::running;
  json process = {{"arguments", nullptr},  // Go's nil slice unless there are arguments
                  {"entrypoint", c.cmd.empty() ? std::string() : c.cmd.front()},
                  {"privileged", c.privileged},
                  {"tty", c.tty},
                  {"user", c.user}};
  if (c.cmd.size() > 1) process["arguments"] = std::vector<std::string>(c.cmd.begin() + 1, c.cmd.end());
  return {{"CanRemove", s.state == core::exec::ExecState::exited},
          {"ContainerID", s.container_id},
          {"DetachKeys", c.detach_keys.value_or("")},
          {"ExitCode", s.exit_code.value_or(0)},
          {"ID", s.id},
          {"OpenStderr", c.attach_stderr},
          {"OpenStdin", c.attach_stdin},
          {"OpenStdout", c.attach_stdout},
          {"Running", running},
          {"Pid", running ? s.pid : 0},  // podman zeroes it when the session stops
          {"ProcessConfig", std::move(process)}};
}

}  // namespace berth::compat::shapes
