// An exec session's OCI process: the container's process with the session's command, env, cwd, user, tty, caps.
#include <catch2/catch.hpp>

#include "core/exec/process_spec.hpp"

using berth::core::containers::ProcessUser;
using berth::core::exec::exec_process;
using berth::core::exec::ExecConfig;

namespace {

nlohmann::json container_process() {
  return nlohmann::json::parse(R"({
    "terminal": false, "user": {"uid": 0, "gid": 0, "umask": 18}, "args": ["sleep", "100"],
    "env": ["PATH=/usr/bin:/bin", "HOME=/root", "A=1"], "cwd": "/srv",
    "capabilities": {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}], "noNewPrivileges": true,
    "consoleSize": {"height": 1, "width": 2}})");
}

}  // namespace

TEST_CASE("an exec process keeps the container's and takes the session's command", "[exec]") {
  ExecConfig c;
  c.cmd = {"echo", "hi"};
  auto p = exec_process(container_process(), c, std::nullopt, {}, 0, 0);
  CHECK(p["args"] == nlohmann::json({"echo", "hi"}));
  CHECK(p["terminal"] == false);
  CHECK(p["cwd"] == "/srv");
  CHECK(p["user"]["uid"] == 0);
  CHECK(p["env"] == nlohmann::json({"PATH=/usr/bin:/bin", "HOME=/root", "A=1"}));
  CHECK(p["rlimits"].size() == 1);
  CHECK(p["noNewPrivileges"] == true);
  CHECK(p["capabilities"]["bounding"] == nlohmann::json({"CAP_CHOWN"}));
  CHECK_FALSE(p.contains("consoleSize"));  // the container's first size is not the session's
}

TEST_CASE("an exec process overrides env in place, cwd, user and home, tty and size, caps when privileged", "[exec]") {
  ExecConfig c;
  c.cmd = {"sh"};
  c.env = {"A=2", "B=3", "EMPTY"};
  c.working_dir = "/tmp";
  c.tty = true;
  c.privileged = true;
  ProcessUser u{.uid = 1000, .gid = 100, .additional_gids = {10}, .home = "/home/u"};
  auto p = exec_process(container_process(), c, u, {"CAP_CHOWN", "CAP_SYS_ADMIN"}, 40, 100);
  CHECK(p["env"] == nlohmann::json({"PATH=/usr/bin:/bin", "HOME=/home/u", "A=2", "B=3", "EMPTY=", "TERM=xterm"}));
  CHECK(p["cwd"] == "/tmp");
  CHECK(p["user"] == nlohmann::json({{"uid", 1000}, {"gid", 100}, {"additionalGids", {10}}, {"umask", 18}}));
  CHECK(p["terminal"] == true);
  CHECK(p["consoleSize"] == nlohmann::json({{"height", 40}, {"width", 100}}));
  CHECK(p["capabilities"]["effective"] == nlohmann::json({"CAP_CHOWN", "CAP_SYS_ADMIN"}));
  CHECK(p["capabilities"]["ambient"] == nlohmann::json({"CAP_CHOWN", "CAP_SYS_ADMIN"}));
}
