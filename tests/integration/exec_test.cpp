// Exec through the docker CLI and the API, the checks users make: output and exit code, -e/-w/-u, stdout apart from
// stderr, -i stdin, -d, 127/126 for a command that cannot start, 409 on a stopped or paused container, the exec
// inspect document, ExecIDs, and exec sessions gone with their container. (TTYs, docker-py, podman, leaks and
// restarts: exec_clients_test.cpp.)
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/common.hpp"
#include "tests/integration/container_cli.hpp"
#include "tests/integration/registry_clients.hpp"
#include "tests/support/berthd.hpp"
#include "tests/support/hijack.hpp"

using namespace berth::test;
using namespace berth::test::regcli;
using namespace berth::test::ctrcli;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// `docker exec ARGS`, whatever its outcome.
RunResult dexec(const Berthd& d, std::vector<std::string> args) {
  args.insert(args.begin(), "exec");
  return d.docker(args);
}

}  // namespace

TEST_CASE("docker exec runs a command: output, exit code, env, workdir, user, stdout apart from stderr",
          "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  sleeper(d, "c");

  auto hi = dexec(d, {"c", "echo", "hi"});
  INFO(hi.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(hi.exit_code == 0);
  CHECK(hi.out == "hi\n");
  CHECK(hi.err.empty());

  auto seven = dexec(d, {"c", "sh", "-c", "exit 7"});
  INFO(seven.describe());
  CHECK(seven.exit_code == 7);

  SECTION("-e adds to the container's environment") {
    auto r = dexec(d, {"-e", "A=b", "c", "sh", "-c", "echo \"$A $FROMCTR\""});
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "b yes\n");
    // Without -e the container's own environment, and PATH, are there.
    auto env = dexec(d, {"c", "env"});
    CHECK(has_line(env.out, "FROMCTR=yes"));
    CHECK(has_line(env.out, "PATH=.*/bin.*"));
    CHECK(!has_line(env.out, "A=b"));
  }
  SECTION("-w sets the working directory, the default is the container's") {
    CHECK(out_of(d, {"exec", "-w", "/tmp", "c", "pwd"}) == "/tmp");
    CHECK(out_of(d, {"exec", "c", "pwd"}) == "/");
  }
  SECTION("-u uid:gid and -u name") {
    CHECK(out_of(d, {"exec", "-u", "1000:1000", "c", "sh", "-c", "id -u; id -g"}) == "1000\n1000");
    CHECK(out_of(d, {"exec", "-u", "nobody", "c", "sh", "-c", "id -u; id -g"}) == "65534\n65534");
    CHECK(out_of(d, {"exec", "-u", "app", "c", "id", "-un"}) == "app");
    CHECK(out_of(d, {"exec", "c", "id", "-u"}) == "0");
  }
  SECTION("stdout and stderr stay apart") {
    auto r = dexec(d, {"c", "sh", "-c", "echo o; echo e >&2; exit 2"});
    INFO(r.describe());
    CHECK(r.exit_code == 2);
    CHECK(r.out == "o\n");
    CHECK(r.err == "e\n");
  }
}

TEST_CASE("docker exec -i passes stdin and ends it at EOF, -d runs in the background", "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  sleeper(d, "c");

  auto r = docker_stdin(d, {"exec", "-i", "c", "cat"}, {}, "data\n");
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "data\n");

  // 1 MiB through wc: nothing lost, and the end of stdin reaches the process.
  std::string mib(1 << 20, 'x');
  auto wc = docker_stdin(d, {"exec", "-i", "c", "wc", "-c"}, {}, mib);
  INFO(wc.describe());
  CHECK(wc.exit_code == 0);
  CHECK(trim(wc.out) == "1048576");

  // Binary stdin: without a TTY there are no detach keys (docker applies them to TTY sessions only), so
  // ctrl-p ctrl-q (the default keys) are plain bytes.
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary += std::string("ab\x10\x11\x00\xff", 6);
  auto bin = docker_stdin(d, {"exec", "-i", "c", "wc", "-c"}, {}, binary);
  INFO(bin.describe());
  CHECK(bin.exit_code == 0);
  CHECK(trim(bin.out) == std::to_string(binary.size()));
  auto echoed = docker_stdin(d, {"exec", "-i", "c", "cat"}, {}, binary);
  CHECK(echoed.exit_code == 0);
  CHECK(echoed.out.size() == binary.size());
  CHECK(echoed.out == binary);

  // Without -i the process reads EOF at once, whatever the CLI's stdin holds.
  auto no_i = docker_stdin(d, {"exec", "c", "cat"}, {}, "ignored\n");
  CHECK(no_i.exit_code == 0);
  CHECK(no_i.out.empty());

  auto bg = d.docker({"exec", "-d", "c", "sh", "-c", "sleep 0.2; touch /tmp/x"});
  INFO(bg.describe());
  CHECK(bg.exit_code == 0);
  CHECK(bg.out.empty());
  CHECK(eventually([&] { return d.docker({"exec", "c", "busybox", "test", "-f", "/tmp/x"}).exit_code == 0; }));
}

TEST_CASE("docker exec of a missing command exits 127, of a non-executable file 126, with a message",
          "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  sleeper(d, "c");

  auto missing = dexec(d, {"c", "nosuchcmd", "arg"});
  INFO(missing.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(missing.exit_code == 127);
  CHECK(mentions(missing.err, "nosuchcmd"));
  CHECK(missing.out.empty());

  auto abs_missing = dexec(d, {"c", "/no/such/file"});
  INFO(abs_missing.describe());
  CHECK(abs_missing.exit_code == 127);
  CHECK(mentions(abs_missing.err, "/no/such/file"));

  REQUIRE(dexec(d, {"c", "sh", "-c", "busybox cp /bin/busybox /tmp/nox && busybox chmod -x /tmp/nox"}).exit_code == 0);
  auto noexec = dexec(d, {"c", "/tmp/nox", "true"});
  INFO(noexec.describe());
  CHECK(noexec.exit_code == 126);
  CHECK(mentions(noexec.err, "permission denied"));

  // The same failures through the API: the stream carries the message on stderr, inspect the code.
  auto id = create_exec(d, "c", {{"Cmd", {"nosuchcmd"}}, {"AttachStdout", true}, {"AttachStderr", true}});
  {
    HijackedStream s(d, "/v1.41/exec/" + id + "/start", R"({"Detach":false,"Tty":false})");
    CHECK(s.status() == 101);
    auto got = s.demux_to_end();
    CHECK(got.ended);
    CHECK(got.out.empty());
    CHECK(mentions(got.err, "nosuchcmd"));
  }
  t(d, "GET", "/v1.41/exec/" + id + "/json", 200, {{".ExitCode", "127"}, {".Running", "false"}});
  // And the container is none the worse.
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}}", "c"}) == "running");
  CHECK(out_of(d, {"exec", "c", "echo", "still"}) == "still");
}

TEST_CASE("exec into a stopped, created or paused container fails with 409, unknown ones with 404",
          "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  std::string body = R"({"Cmd":["true"],"AttachStdout":true})";

  out_of(d, {"create", "--name", "created", "busybox", "sleep", "1000"});
  auto r = d.docker({"exec", "created", "true"});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code != 0);
  CHECK(mentions(r.err, "running"));
  check_error_reply(t(d, "POST", "/v1.41/containers/created/exec", body, 409), 409, "running");

  out_of(d, {"run", "-d", "--name", "exited", "busybox", "true"});
  CHECK(out_of(d, {"wait", "exited"}) == "0");
  auto e = d.docker({"exec", "exited", "true"});
  INFO(e.describe());
  CHECK(e.exit_code != 0);
  CHECK(mentions(e.err, "running"));
  t(d, "POST", "/v1.41/containers/exited/exec", body, 409);
  t(d, "POST", "/v4.3.1/libpod/containers/exited/exec", body, 409);

  sleeper(d, "p");
  auto before_pause = create_exec(d, "p", json::parse(body));
  out_of(d, {"pause", "p"});
  auto p = d.docker({"exec", "p", "true"});
  INFO(p.describe());
  CHECK(p.exit_code != 0);
  CHECK(!p.timed_out);
  t(d, "POST", "/v1.41/containers/p/exec", body, 409);
  t(d, "POST", "/v4.3.1/libpod/containers/p/exec", body, 409);
  // A session created before the pause cannot start while paused: a plain error, no hijack.
  t(d, "POST", "/v1.41/exec/" + before_pause + "/start", R"({"Detach":true})", 409);
  t(d, "POST", "/v1.41/exec/" + before_pause + "/start", R"({"Detach":false})", 409);
  out_of(d, {"unpause", "p"});
  CHECK(out_of(d, {"exec", "p", "echo", "after"}) == "after");

  // Unknown container, unknown session, no command.
  check_error_reply(t(d, "POST", "/v1.41/containers/nope/exec", body, 404), 404, "nope");
  t(d, "POST", "/v4.3.1/libpod/containers/nope/exec", body, 404);
  auto no_such = std::string(64, 'a');
  t(d, "GET", "/v1.41/exec/" + no_such + "/json", 404);
  t(d, "GET", "/v4.3.1/libpod/exec/" + no_such + "/json", 404);
  t(d, "POST", "/v1.41/exec/" + no_such + "/start", R"({"Detach":false})", 404);
  t(d, "POST", "/v1.41/exec/" + no_such + "/resize?h=10&w=10", 404);
  t(d, "POST", "/v1.41/containers/p/exec", R"({"AttachStdout":true})", 400);
  t(d, "POST", "/v1.41/containers/p/exec", R"({"Cmd":[]})", 400);
  auto bad = d.docker({"exec", "nope", "true"});
  CHECK(bad.exit_code != 0);
  CHECK(mentions(bad.err, "no such container"));
  check_still_serves(d);
}

TEST_CASE("exec inspect shows the finished session, the container lists its ExecIDs, rm -f takes them along",
          "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  auto cid = sleeper(d, "c");

  auto id =
      create_exec(d, "c", {{"Cmd", {"sh", "-c", "echo out; exit 3"}}, {"AttachStdout", true}, {"AttachStderr", true}});
  auto before = t(d, "GET", "/v1.41/exec/" + id + "/json", 200,
                  {{".ID", id},
                   {".Running", "false"},
                   {".ContainerID", cid},
                   {".ProcessConfig.entrypoint", "sh"},
                   {".ProcessConfig.arguments", R"(["-c","echo out; exit 3"])"},
                   {".ProcessConfig.tty", "false"},
                   {".OpenStdin", "false"},
                   {".OpenStdout", "true"},
                   {".OpenStderr", "true"}});
  INFO(before.body);
  CHECK(out_of(d, {"inspect", "-f", "{{json .ExecIDs}}", "c"}) == "[\"" + id + "\"]");

  {
    HijackedStream s(d, "/v1.41/exec/" + id + "/start", R"({"Detach":false,"Tty":false})");
    INFO(s.head);
    CHECK(s.status() == 101);
    CHECK(s.head.find("application/vnd.docker.raw-stream") != std::string::npos);
    auto got = s.demux_to_end();
    CHECK(got.ended);
    CHECK(got.out == "out\n");
    CHECK(got.err.empty());
  }
  // Right after the stream ended the exit code is there (what the CLI reads next).
  auto after = t(d, "GET", "/v1.41/exec/" + id + "/json", 200,
                 {{".Running", "false"}, {".ExitCode", "3"}, {".ContainerID", cid}, {".ID", id}});
  INFO(after.body);
  t(d, "GET", "/v4.3.1/libpod/exec/" + id + "/json", 200,
    {{".Running", "false"}, {".ExitCode", "3"}, {".ContainerID", cid}, {".ProcessConfig.entrypoint", "sh"}});
  // docker's ExecInspect (podman 4.3.1 sends the same keys on both paths).
  for (const char* key : {"CanRemove", "ContainerID", "DetachKeys", "ExitCode", "ID", "OpenStderr", "OpenStdin",
                          "OpenStdout", "ProcessConfig", "Running", "Pid"})
    CHECK(after.json().contains(key));
  for (const char* key : {"arguments", "entrypoint", "privileged", "tty", "user"})
    CHECK(after.json()["ProcessConfig"].contains(key));
  // A session runs once; resizing a finished one is a conflict.
  t(d, "POST", "/v1.41/exec/" + id + "/start", R"({"Detach":false})", 409);
  t(d, "POST", "/v1.41/exec/" + id + "/resize?h=10&w=10", 409);

  // Detached start: 200 at once, the process runs on; inspect shows it running, then its code.
  auto bg = create_exec(d, "c", {{"Cmd", {"sh", "-c", "sleep 1; exit 4"}}});
  auto started = d.request("POST", "/v1.41/exec/" + bg + "/start", R"({"Detach":true})");
  INFO(started.describe());
  CHECK((started.status == 200 || started.status == 204));
  auto running = t(d, "GET", "/v1.41/exec/" + bg + "/json", 200, {{".Running", "true"}});
  INFO(running.body);
  auto pid = running.json().value("Pid", 0L);
  CHECK(pid > 0);
  CHECK(std::filesystem::exists("/proc/" + std::to_string(pid)));
  CHECK(eventually([&] {
    auto j = d.request("GET", "/v1.41/exec/" + bg + "/json").json();
    return j.value("Running", true) == false && j["ExitCode"] == 4;
  }));

  // podman's create (libpod path) and its inspect of a session made by the compat one.
  auto lp = create_exec(d, "c", {{"Cmd", {"true"}}}, "/v4.3.1/libpod");
  auto ids = json::parse(out_of(d, {"inspect", "-f", "{{json .ExecIDs}}", "c"}));
  CHECK(ids.size() == 3);
  for (const auto& want : {id, bg, lp}) CHECK(std::find(ids.begin(), ids.end(), want) != ids.end());

  out_of(d, {"rm", "-f", "c"});
  for (const auto& gone : {id, bg, lp}) {
    t(d, "GET", "/v1.41/exec/" + gone + "/json", 404);
    t(d, "GET", "/v4.3.1/libpod/exec/" + gone + "/json", 404);
  }
}

TEST_CASE("exec start through the API: stdin on a hijacked stream, a TTY stream, the libpod start",
          "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  sleeper(d, "c");

  SECTION("stdin: frames come back as written, a half-close ends cat and the stream") {
    auto id = create_exec(d, "c", {{"Cmd", {"cat"}}, {"AttachStdin", true}, {"AttachStdout", true}});
    HijackedStream s(d, "/v1.41/exec/" + id + "/start", R"({"Detach":false,"Tty":false})");
    REQUIRE(s.status() == 101);
    t(d, "GET", "/v1.41/exec/" + id + "/json", 200, {{".Running", "true"}, {".OpenStdin", "true"}});
    s.send("ping\n");
    auto f = s.frame();
    REQUIRE(f);
    CHECK(f->first == 1);
    CHECK(f->second == "ping\n");
    s.half_close();
    auto rest = s.demux_to_end();
    CHECK(rest.ended);
    t(d, "GET", "/v1.41/exec/" + id + "/json", 200, {{".Running", "false"}, {".ExitCode", "0"}});
  }
  SECTION("a TTY session: raw bytes, a resize reaches it") {
    auto id = create_exec(d, "c",
                          {{"Cmd", {"sh", "-c", "sleep 0.5; busybox stty size; busybox tty"}},
                           {"Tty", true},
                           {"AttachStdout", true},
                           {"AttachStderr", true}});
    HijackedStream s(d, "/v1.41/exec/" + id + "/start", R"({"Detach":false,"Tty":true})");
    REQUIRE(s.status() == 101);
    // docker answers 200, podman 4.3.1 201: the CLIs take any 2xx.
    auto resized = d.request("POST", "/v1.41/exec/" + id + "/resize?h=40&w=100");
    INFO(resized.describe());
    CHECK((resized.status == 200 || resized.status == 201));
    auto [raw, ended] = s.raw_to_end();
    INFO(raw);
    CHECK(ended);
    CHECK(raw.find("40 100\r\n") != std::string::npos);
    CHECK(mentions(raw, "/dev/pts/\\d+"));
    CHECK(raw.find('\x01') == std::string::npos);  // no mux headers on a TTY
    t(d, "GET", "/v1.41/exec/" + id + "/json", 200,
      {{".Running", "false"}, {".ExitCode", "0"}, {".ProcessConfig.tty", "true"}});
  }
  SECTION("podman's libpod start with h and w") {
    auto id = create_exec(d, "c",
                          {{"Cmd", {"sh", "-c", "busybox stty size; echo err >&2; exit 9"}},
                           {"Tty", true},
                           {"AttachStdout", true},
                           {"AttachStderr", true}},
                          "/v4.3.1/libpod");
    HijackedStream s(d, "/v4.3.1/libpod/exec/" + id + "/start", R"({"Detach":false,"Tty":true,"h":30,"w":90})");
    INFO(s.head);
    CHECK((s.status() == 101 || s.status() == 200));
    auto [raw, ended] = s.raw_to_end();
    INFO(raw);
    CHECK(ended);
    CHECK(raw.find("30 90") != std::string::npos);
    CHECK(raw.find("err") != std::string::npos);  // a TTY carries stderr too
    t(d, "GET", "/v4.3.1/libpod/exec/" + id + "/json", 200, {{".Running", "false"}, {".ExitCode", "9"}});
  }
  SECTION("attach flags select the streams") {
    auto id = create_exec(d, "c", {{"Cmd", {"sh", "-c", "echo o; echo e >&2"}}, {"AttachStderr", true}});
    HijackedStream s(d, "/v1.41/exec/" + id + "/start", R"({"Detach":false,"Tty":false})");
    REQUIRE(s.status() == 101);
    auto got = s.demux_to_end();
    CHECK(got.ended);
    CHECK(got.out.empty());
    CHECK(got.err == "e\n");
  }
}
