// Exec shapes of both trees: the create and start bodies (wrong types → 400 naming the field), podman's
// InspectExecSession, the create reply, the libpod start body's Tty rules, and the routes of both trees.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "api/routes.hpp"
#include "api/shapes/exec.hpp"
#include "compat/routes.hpp"
#include "compat/shapes/exec.hpp"
#include "core/error.hpp"
#include "server/http/router.hpp"
#include "tests/support/error_of.hpp"

using nlohmann::json;
namespace core = berth::core;
namespace shapes = berth::compat::shapes;
using berth::test::error_of;
using core::exec::ExecState;

namespace {

// A bad body must be the client's mistake (400), naming what was wrong.
void check_bad_create(const std::string& body, const std::string& mentions) {
  INFO(body);
  auto err = error_of([&] { shapes::exec_config_from_json(body); });
  CHECK(err.code() == core::Errc::invalid_argument);
  INFO(err.message());
  CHECK(err.message().find(mentions) != std::string::npos);
}

void check_bad_start(const std::string& body, const std::string& mentions) {
  INFO(body);
  auto err = error_of([&] { shapes::exec_start_from_json(body); });
  CHECK(err.code() == core::Errc::invalid_argument);
  INFO(err.message());
  CHECK(err.message().find(mentions) != std::string::npos);
}

core::exec::ExecSession session(ExecState state) {
  core::exec::ExecSession s;
  s.id = std::string(64, 'e');
  s.container_id = std::string(64, 'c');
  s.config.cmd = {"sh", "-c", "exit 3"};
  s.config.user = "1000:1000";
  s.config.tty = true;
  s.config.attach_stdout = true;
  s.config.attach_stderr = true;
  s.state = state;
  s.pid = state == ExecState::created ? 0 : 4242;
  if (state == ExecState::exited) s.exit_code = 3;
  return s;
}

}  // namespace

TEST_CASE("the exec create body as the docker CLI sends it", "[exec]") {
  auto c = shapes::exec_config_from_json(R"({"User":"nobody","Privileged":true,"Tty":true,"ConsoleSize":[24,80],
    "AttachStdin":true,"AttachStderr":true,"AttachStdout":true,"Detach":false,"DetachKeys":"ctrl-x",
    "Env":["A=1","B="],"WorkingDir":"/tmp","Cmd":["sh","-c","echo hi"]})");
  CHECK(c.cmd == std::vector<std::string>{"sh", "-c", "echo hi"});
  CHECK(c.env == std::vector<std::string>{"A=1", "B="});
  CHECK(c.user == "nobody");
  CHECK(c.working_dir == "/tmp");
  CHECK(c.privileged);
  CHECK(c.tty);
  CHECK((c.attach_stdin && c.attach_stdout && c.attach_stderr));
  CHECK(c.detach_keys == std::optional<std::string>("ctrl-x"));
  CHECK(c.console_height == 24);
  CHECK(c.console_width == 80);
}

TEST_CASE("the exec create body's defaults and Go's decoding rules", "[exec]") {
  auto c = shapes::exec_config_from_json(R"({"cmd":"ls","detachKeys":"","env":null})");
  CHECK(c.cmd == std::vector<std::string>{"ls"});  // StrSlice: one string is a one-element command; keys without case
  CHECK_FALSE(c.detach_keys);                      // "" is podman's "not given": the default keys
  CHECK(c.env.empty());
  CHECK_FALSE(c.tty);
  CHECK_FALSE((c.attach_stdin || c.attach_stdout || c.attach_stderr || c.privileged));
  CHECK(c.console_height == 0);
  CHECK(shapes::exec_config_from_json("").cmd.empty());  // the service refuses an empty command
  CHECK(shapes::exec_config_from_json(R"({"ConsoleSize":[30]})").console_height == 30);
}

TEST_CASE("a wrong exec create body is a 400 naming the field", "[exec]") {
  check_bad_create("{", "malformed JSON");
  check_bad_create("[]", "object");
  check_bad_create(R"({"Cmd":5})", "/Cmd");
  check_bad_create(R"({"Cmd":["ls",1]})", "/Cmd/1");
  check_bad_create(R"({"Env":"A=1"})", "/Env");
  check_bad_create(R"({"Env":["A"]})", "environment variable \"A\" badly formed, must be key=value");
  check_bad_create(R"({"Tty":"yes"})", "/Tty");
  check_bad_create(R"({"Privileged":1})", "/Privileged");
  check_bad_create(R"({"AttachStdin":"true"})", "/AttachStdin");
  check_bad_create(R"({"User":0})", "/User");
  check_bad_create(R"({"WorkingDir":[]})", "/WorkingDir");
  check_bad_create(R"({"DetachKeys":true})", "/DetachKeys");
  check_bad_create(R"({"ConsoleSize":"24x80"})", "/ConsoleSize");
  check_bad_create(R"({"ConsoleSize":[-1,80]})", "/ConsoleSize/0");
  check_bad_create(R"({"ConsoleSize":[24,"80"]})", "/ConsoleSize/1");
}

TEST_CASE("the docker tree's exec start body", "[exec]") {
  auto o = shapes::exec_start_from_json(R"({"Detach":false,"Tty":true,"ConsoleSize":[40,120]})");
  CHECK_FALSE(o.detach);
  CHECK(o.tty == std::optional<bool>(true));  // docker frames by the start's Tty
  CHECK(o.height == 40);
  CHECK(o.width == 120);
  o = shapes::exec_start_from_json(R"({"Detach":true})");
  CHECK(o.detach);
  CHECK_FALSE(o.tty);  // not given: the session's
  o = shapes::exec_start_from_json(R"({"Tty":false,"h":25,"w":81})");
  CHECK(o.tty == std::optional<bool>(false));
  CHECK(o.height == 25);
  CHECK(o.width == 81);
  o = shapes::exec_start_from_json(" \n");
  CHECK_FALSE(o.detach);
  CHECK_FALSE(o.tty);

  check_bad_start("nope", "malformed JSON");
  check_bad_start(R"({"Detach":"true"})", "/Detach");
  check_bad_start(R"({"Tty":1})", "/Tty");
  check_bad_start(R"({"h":-1})", "/h");
  check_bad_start(R"({"w":65536})", "/w");
  check_bad_start(R"({"w":1.5})", "/w");
  check_bad_start(R"({"ConsoleSize":{}})", "/ConsoleSize");
}

TEST_CASE("the libpod tree's exec start body follows podman's ExecStartHandler", "[exec]") {
  // podman-remote sends Tty=false when its stdin is no terminal, and still reads a TTY session raw.
  auto o = berth::api::shapes::libpod_exec_start_from_json(R"({"Detach":false,"Tty":false,"h":24,"w":80})");
  CHECK_FALSE(o.tty);
  CHECK(o.height == 0);  // the size only counts with Tty
  CHECK(o.width == 0);
  o = berth::api::shapes::libpod_exec_start_from_json(R"({"Detach":false,"Tty":true,"h":24,"w":80})");
  CHECK_FALSE(o.tty);
  CHECK(o.height == 24);
  CHECK(o.width == 80);
  CHECK(berth::api::shapes::libpod_exec_start_from_json(R"({"Detach":true})").detach);
  CHECK(error_of([] { berth::api::shapes::libpod_exec_start_from_json(R"({"Detach":"x"})"); }).code() ==
        core::Errc::invalid_argument);
}

TEST_CASE("the exec create reply is {Id}", "[exec]") {
  CHECK(shapes::exec_create_reply_json("abc") == json::parse(R"({"Id":"abc"})"));
}

TEST_CASE("exec inspect is podman's InspectExecSession", "[exec]") {
  auto running = shapes::exec_inspect_json(session(ExecState::running));
  CHECK(running == json::parse(R"({"CanRemove":false,"ContainerID":")" + std::string(64, 'c') +
                               R"(","DetachKeys":"","ExitCode":0,"ID":")" + std::string(64, 'e') +
                               R"(","OpenStderr":true,"OpenStdin":false,"OpenStdout":true,"Running":true,"Pid":4242,
                               "ProcessConfig":{"arguments":["-c","exit 3"],"entrypoint":"sh","privileged":false,
                               "tty":true,"user":"1000:1000"}})"));

  auto created = shapes::exec_inspect_json(session(ExecState::created));
  CHECK(created["Running"] == false);
  CHECK(created["CanRemove"] == false);
  CHECK(created["ExitCode"] == 0);  // podman's int: 0 until it exited (moby would send null)
  CHECK(created["Pid"] == 0);

  auto exited = shapes::exec_inspect_json(session(ExecState::exited));
  CHECK(exited["Running"] == false);
  CHECK(exited["CanRemove"] == true);
  CHECK(exited["ExitCode"] == 3);
  CHECK(exited["Pid"] == 0);  // podman zeroes it once the session stopped

  auto s = session(ExecState::created);
  s.config.cmd = {"top"};
  s.config.detach_keys = "ctrl-a";
  auto one = shapes::exec_inspect_json(s);
  CHECK(one["ProcessConfig"]["entrypoint"] == "top");
  CHECK(one["ProcessConfig"]["arguments"].is_null());  // Go's nil slice
  CHECK(one["DetachKeys"] == "ctrl-a");
}

TEST_CASE("both trees route the exec endpoints", "[exec]") {
  berth::http::Router router;
  berth::api::add_libpod_routes(router);
  berth::compat::add_compat_routes(router);
  auto routed = [&](std::string method, std::string target) {
    berth::http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    berth::http::Reply error;
    const auto* route = router.route(req, error);
    INFO(req.target << " → " << error.status);
    REQUIRE(route);
    return req;
  };
  CHECK(routed("POST", "/v1.41/containers/web/exec").param("name") == "web");
  CHECK(routed("POST", "/exec/abc/start").param("id") == "abc");
  CHECK(routed("POST", "/v1.41/exec/abc/resize?h=1&w=2").param("id") == "abc");
  CHECK(routed("GET", "/exec/abc/json").param("id") == "abc");
  CHECK(routed("POST", "/v4.3.1/libpod/containers/web/exec").param("name") == "web");
  CHECK(routed("POST", "/v4.3.1/libpod/exec/abc/start").param("id") == "abc");
  CHECK(routed("POST", "/v4.3.1/libpod/exec/abc/resize").param("id") == "abc");
  CHECK(routed("GET", "/v4.3.1/libpod/exec/abc/json").param("id") == "abc");
}
