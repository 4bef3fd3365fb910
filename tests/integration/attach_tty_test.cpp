// Attach as a user at a terminal sees it: docker run -it under tmux (prompt, commands, window size, ctrl-p ctrl-q,
// docker attach again), podman --remote run -it and attach, the websocket attach, a missing command's start error, the
// TTY's initial size, and 200 dropped attach connections leaving no fd, thread or conmon behind.
#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/common.hpp"
#include "tests/integration/container_cli.hpp"
#include "tests/integration/registry_clients.hpp"
#include "tests/support/berthd.hpp"
#include "tests/support/hijack.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/websocket_client.hpp"

using namespace berth::test;
using namespace berth::test::regcli;
using namespace berth::test::ctrcli;

namespace {

using namespace std::chrono_literals;

// A private tmux server with one 100x40 window per session: what a user's terminal shows, as text.
class Tmux {
 public:
  Tmux(const TempDir& tmp, Env env) : sock_(tmp.sub("tmux.sock")), env_(std::move(env)) {}
  ~Tmux() { run({"tmux", "-S", sock_, "kill-server"}, {}, 10s); }
  Tmux(const Tmux&) = delete;
  Tmux& operator=(const Tmux&) = delete;

  // Runs `command` (a shell line) in a new session; the pane stays after it ends, printing its exit code.
  void open(const std::string& session, const std::string& command) {
    std::vector<std::string> argv{"tmux", "-S", sock_, "new-session", "-d", "-s", session, "-x", "100", "-y", "40"};
    for (const auto& [k, v] : env_) {
      argv.push_back("-e");
      argv.push_back(k + "=" + v);
    }
    argv.push_back(command + "; echo EXITED=$?; sleep 600");
    auto r = run(argv, {}, 20s);
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
  }
  // Types `text` literally, then Enter unless `enter` is false.
  void type(const std::string& session, const std::string& text, bool enter = true) {
    run({"tmux", "-S", sock_, "send-keys", "-t", session, "-l", text}, {}, 10s);
    if (enter) run({"tmux", "-S", sock_, "send-keys", "-t", session, "Enter"}, {}, 10s);
  }
  // Presses keys by tmux name (C-p, C-q).
  void keys(const std::string& session, const std::vector<std::string>& names) {
    std::vector<std::string> argv{"tmux", "-S", sock_, "send-keys", "-t", session};
    argv.insert(argv.end(), names.begin(), names.end());
    run(argv, {}, 10s);
  }
  std::string screen(const std::string& session) {
    return run({"tmux", "-S", sock_, "capture-pane", "-p", "-J", "-S", "-200", "-t", session}, {}, 10s).out;
  }
  // Waits until the screen shows `needle` (at least `times` times); false after the timeout, and the failing check
  // then reports the screen as it was.
  bool shows(const std::string& session, const std::string& needle, int times = 1) {
    if (eventually([&] { return count(screen(session), needle) >= times; })) return true;
    UNSCOPED_INFO("--- screen of " << session << " without \"" << needle << "\" ---\n" << screen(session));
    return false;
  }
  static int count(const std::string& hay, const std::string& needle) {
    int n = 0;
    for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + needle.size())) ++n;
    return n;
  }

 private:
  std::string sock_;
  Env env_;
};

// A shell line running `argv` (each word quoted).
std::string shell_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "'" : " '") + a + "'";
  return out;
}

Env docker_env(const Berthd& d) {
  Env env = d.cli_env();
  env.emplace_back("DOCKER_HOST", d.url());
  env.emplace_back("TERM", "xterm");
  return env;
}

std::size_t entries(const std::string& dir) {
  std::size_t n = 0;
  if (DIR* dp = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(dp))
      if (e->d_name[0] != '.') ++n;
    ::closedir(dp);
  }
  return n;
}

std::size_t conmon_count() {
  std::size_t n = 0;
  if (DIR* dp = ::opendir("/proc")) {
    while (dirent* e = ::readdir(dp)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::ifstream comm(std::string("/proc/") + e->d_name + "/comm");
      std::string name;
      if (std::getline(comm, name) && name == "conmon") ++n;
    }
    ::closedir(dp);
  }
  return n;
}

}  // namespace

TEST_CASE("docker run -it in a terminal runs typed commands at the window size, detaches and re-attaches",
          "[integration][attach][tty]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  write_empty_docker_config(d);
  Tmux term(tmp, docker_env(d));
  term.open("run", shell_line({kDockerCli, "run", "-it", "--name", "shell", "busybox", "sh"}));
  INFO("--- screen ---\n" << term.screen("run") << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(term.shows("run", "/ # "));
  term.type("run", "echo hi$((40+2))");
  CHECK(term.shows("run", "hi42"));
  term.type("run", "stty size");
  CHECK(term.shows("run", "40 100"));

  // ctrl-p ctrl-q: the CLI leaves, the shell keeps running.
  term.keys("run", {"C-p", "C-q"});
  CHECK(term.shows("run", "EXITED=0"));
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}}", "shell"}) == "running");

  // docker attach: typing reaches the same shell again, and stdin is still open.
  term.open("again", shell_line({kDockerCli, "attach", "shell"}));
  INFO("--- screen (attach) ---\n" << term.screen("again"));
  eventually([&] { return false; }, 500ms);  // the attach connects before the first key
  term.type("again", "echo back$((2+3))");
  CHECK(term.shows("again", "back5"));
  term.type("again", "stty size");
  CHECK(term.shows("again", "40 100"));
  term.type("again", "exit 4");
  CHECK(term.shows("again", "EXITED=4"));
  CHECK(out_of(d, {"wait", "shell"}) == "4");
}

TEST_CASE("podman --remote run -it in a terminal runs typed commands at the window size",
          "[integration][attach][tty]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  write_empty_docker_config(d);
  Env env = d.cli_env();
  env.emplace_back("TERM", "xterm");
  Tmux term(tmp, env);
  term.open("run", shell_line({kPodmanCli, "--remote", "--url", d.url(), "run", "-it", "--rm", "--name", "psh",
                               "docker.io/library/busybox", "sh"}));
  INFO("--- screen ---\n" << term.screen("run") << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(term.shows("run", "/ # "));
  term.type("run", "echo p$((6*7))");
  CHECK(term.shows("run", "p42"));
  term.type("run", "stty size");
  CHECK(term.shows("run", "40 100"));
  term.type("run", "exit 3");
  CHECK(term.shows("run", "EXITED=3"));
  CHECK(eventually([&] { return trim(d.podman({"ps", "-a", "-q"}).out).empty(); }));
}

TEST_CASE("podman --remote attach: typed commands at the window size, ctrl-p ctrl-q, attach again",
          "[integration][attach][tty]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  write_empty_docker_config(d);
  auto started = d.podman({"run", "-dit", "--name", "pa", "docker.io/library/busybox", "sh"});
  INFO(started.describe());
  REQUIRE(started.exit_code == 0);
  Env env = d.cli_env();
  env.emplace_back("TERM", "xterm");
  Tmux term(tmp, env);
  auto attach = shell_line({kPodmanCli, "--remote", "--url", d.url(), "attach", "pa"});
  term.open("one", attach);
  INFO("--- screen ---\n" << term.screen("one") << "\n--- berthd log ---\n" << d.log_tail());
  eventually([&] { return false; }, 500ms);  // the attach connects before the first key
  term.type("one", "echo p$((6*7))");
  CHECK(term.shows("one", "p42"));
  term.type("one", "stty size");
  CHECK(term.shows("one", "40 100"));
  term.keys("one", {"C-p", "C-q"});
  CHECK(term.shows("one", "EXITED=0"));
  CHECK(trim(d.podman({"inspect", "-f", "{{.State.Status}}", "pa"}).out) == "running");

  term.open("two", attach);
  INFO("--- screen (again) ---\n" << term.screen("two"));
  eventually([&] { return false; }, 500ms);
  term.type("two", "echo back$((2+3))");
  CHECK(term.shows("two", "back5"));
  term.type("two", "exit 4");
  CHECK(term.shows("two", "EXITED=0"));  // podman's remote attach exits 0 whatever the container's code
  CHECK(trim(d.podman({"wait", "pa"}).out) == "4");
}

TEST_CASE("docker run of a missing command reports the start error and exits 127", "[integration][attach]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  auto r = d.docker({"run", "--rm", "busybox", "nosuchcmd"});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 127);
  CHECK(r.err.find("Error response from daemon") != std::string::npos);
  CHECK(r.err.find("nosuchcmd") != std::string::npos);
  CHECK(r.err.find("unable to upgrade") == std::string::npos);
  CHECK(eventually([&] { return out_of(d, {"ps", "-a", "-q"}).empty(); }));

  // Without --rm the container stays, never started, with docker's 127.
  auto kept = d.docker({"run", "--name", "kept", "busybox", "nosuchcmd"});
  CHECK(kept.exit_code == 127);
  CHECK(kept.err.find("nosuchcmd") != std::string::npos);
  CHECK(out_of(d, {"inspect", "-f", "{{.State.ExitCode}}", "kept"}) == "127");
}

TEST_CASE("HostConfig.ConsoleSize sizes the TTY from the start, bad sizes are 400", "[integration][attach][tty]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  t(d, "POST", "/containers/create?name=sized",
    R"({"Image":"busybox","Cmd":["busybox","stty","size"],"Tty":true,"HostConfig":{"ConsoleSize":[30,90]}})", 201);
  t(d, "POST", "/containers/sized/start", 204);
  CHECK(out_of(d, {"wait", "sized"}) == "0");
  CHECK(trim(d.docker({"logs", "sized"}).out) == "30 90");
  t(d, "POST", "/containers/create?name=bad1", R"({"Image":"busybox","HostConfig":{"ConsoleSize":"big"}})", 400);
  t(d, "POST", "/containers/create?name=bad2", R"({"Image":"busybox","HostConfig":{"ConsoleSize":[-1,5]}})", 400);
  t(d, "POST", "/containers/create?name=nul", R"({"Image":"busybox","HostConfig":{"ConsoleSize":null}})", 201);

  // A resize while the container is initialized but not started (attach did the init) applies at start.
  out_of(d, {"create", "-t", "--name", "early", "busybox", "sh", "-c", "stty size"});
  {
    HijackedStream a(d, "/containers/early/attach?stream=1&stdout=1", "");
    t(d, "POST", "/containers/early/resize?h=33&w=77", 200);
    t(d, "POST", "/containers/early/start", 204);
    CHECK(out_of(d, {"wait", "early"}) == "0");
  }
  CHECK(trim(d.docker({"logs", "early"}).out) == "33 77");
}

TEST_CASE("websocket attach carries stdin as messages and output as raw binary messages",
          "[integration][attach][websocket]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  t(d, "GET", "/containers/nope/attach/ws?stream=1&stdout=1", 404);
  out_of(d, {"create", "-i", "--name", "wplain", "busybox", "cat"});
  t(d, "GET", "/containers/wplain/attach/ws?stdout=1", 400);  // neither stream nor logs
  {
    WebSocketClient plain(d, "/containers/wplain/attach/ws?stream=1&stdout=1", /*websocket_headers=*/false);
    CHECK(plain.head.rfind("HTTP/1.1 400 ", 0) == 0);
  }
  // StdinOnce (docker run -i's): the end of the first client's input ends the container's.
  t(d, "POST", "/containers/create?name=wcat", R"({"Image":"busybox","Cmd":["cat"],"OpenStdin":true,"StdinOnce":true})",
    201);
  {
    WebSocketClient ws(d, "/v1.41/containers/wcat/attach/ws?stream=1&stdin=1&stdout=1&stderr=1");
    INFO(ws.head << "\n--- berthd log ---\n" << d.log_tail());
    REQUIRE(ws.head.rfind("HTTP/1.1 101 ", 0) == 0);
    CHECK(ws.head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos);
    t(d, "POST", "/containers/wcat/start", 204);
    ws.send("hello\n");
    auto f = ws.frame();
    REQUIRE(f);
    CHECK(f->opcode == 2);
    CHECK(f->payload == "hello\n");  // raw: no multiplexing header without a TTY either
    ws.send("bin\n", 2);
    f = ws.frame();
    REQUIRE(f);
    CHECK(f->payload == "bin\n");
    // The client's close ends cat's stdin, so the container exits.
    ws.send_close();
  }
  CHECK(out_of(d, {"wait", "wcat"}) == "0");

  // A TTY shell: output arrives, the detach keys end the websocket and leave the shell running.
  out_of(d, {"run", "-d", "-i", "-t", "--name", "wsh", "busybox", "sh"});
  {
    WebSocketClient ws(d, "/containers/wsh/attach/ws?stream=1&stdin=1&stdout=1&detachKeys=ctrl-x,a");
    REQUIRE(ws.head.rfind("HTTP/1.1 101 ", 0) == 0);
    ws.send("echo w$((3*3))\n");
    std::string got;
    CHECK(ws.read_until("w9", got));
    ws.send(
        "\x18"
        "a");
    got.clear();
    CHECK_FALSE(ws.read_until("never", got));  // the server ends the connection
  }
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}}", "wsh"}) == "running");
  out_of(d, {"rm", "-f", "wsh", "wplain"});  // wplain was initialized by its attach
}

TEST_CASE("attach connections dropped mid-stream leave no fd, thread or conmon behind", "[integration][attach]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  out_of(d, {"run", "-d", "--name", "chatty", "busybox", "sh", "-c", "while true; do echo tick; usleep 10000; done"});
  std::string fds = "/proc/" + std::to_string(d.pid()) + "/fd";
  std::string tasks = "/proc/" + std::to_string(d.pid()) + "/task";
  auto drop_one = [&](bool websocket) {
    if (websocket) {
      WebSocketClient ws(d, "/containers/chatty/attach/ws?stream=1&stdout=1&stderr=1");
      REQUIRE(ws.head.rfind("HTTP/1.1 101 ", 0) == 0);
      std::string got;
      REQUIRE(ws.read_until("tick", got));
    } else {
      HijackedStream a(d, "/containers/chatty/attach?stream=1&stdout=1&stderr=1", "");
      REQUIRE(a.head.rfind("HTTP/1.1 101 ", 0) == 0);
      auto f = a.frame();
      REQUIRE(f);
    }
  };  // each client closes its socket abruptly while output still flows
  // Warm up: the work pool and the IO threads exist after the first few.
  for (int i = 0; i < 5; ++i) drop_one(i % 2 == 0);
  REQUIRE(eventually([&] { return entries(fds) > 0; }));
  std::this_thread::sleep_for(300ms);
  std::size_t fds_before = entries(fds), tasks_before = entries(tasks), conmons_before = conmon_count();

  for (int i = 0; i < 200; ++i) drop_one(i % 10 == 0);
  INFO("--- berthd log ---\n" << d.log_tail());
  CHECK(eventually([&] { return entries(fds) <= fds_before; }, 10s));
  CHECK(entries(fds) <= fds_before);
  CHECK(eventually([&] { return entries(tasks) <= tasks_before; }, 10s));
  CHECK(conmon_count() == conmons_before);
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}}", "chatty"}) == "running");
  out_of(d, {"rm", "-f", "chatty"});
}
