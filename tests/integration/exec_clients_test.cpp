// Exec through more clients: `docker exec -it` on a real terminal (tmux, script), docker-py's exec_run and sockets,
// `podman --remote exec`; no conmon or fd left behind after many execs; sessions and exit codes surviving a
// berthd crash.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
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

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

long ppid_of(const fs::path& proc_dir) {
  auto s = read_text(proc_dir / "stat");
  auto paren = s.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream rest(s.substr(paren + 1));
  char state = 0;
  long ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

// Every conmon process below this test process (berthd's, or berthd's orphans the fixture adopted).
std::vector<pid_t> our_conmons() {
  std::vector<pid_t> out;
  const long self = ::getpid();
  for (const auto& e : fs::directory_iterator("/proc")) {
    auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto cmd = read_text(e.path() / "cmdline");
    if (cmd.rfind("conmon", 0) != 0 && cmd.find("/conmon") == std::string::npos) continue;
    // Walk up to this process.
    long p = std::stol(name);
    for (int depth = 0; depth < 16 && p > 1; ++depth) {
      p = ppid_of("/proc/" + std::to_string(p));
      if (p == self) {
        out.push_back(static_cast<pid_t>(std::stol(name)));
        break;
      }
    }
  }
  return out;
}

std::size_t fd_count(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) ++n;
  return n;
}

// A tmux server of its own (socket in the test's dir, no config), running one command in a detached session of
// the given size; the pane stays after the command ended so its exit status can be read. Killed, and its
// processes reaped, when the test ends (before the Berthd fixture checks for strays: declare it after).
class Tmux {
 public:
  Tmux(const Berthd& d, const std::string& command, int width, int height) : sock_(d.dir() + "/tmux.sock") {
    Env env = d.cli_env();
    env.emplace_back("DOCKER_HOST", d.url());
    env.emplace_back("TERM", "xterm");
    auto r = run({"tmux",
                  "-f",
                  "/dev/null",
                  "-S",
                  sock_,
                  "new-session",
                  "-d",
                  "-s",
                  "t",
                  "-x",
                  std::to_string(width),
                  "-y",
                  std::to_string(height),
                  command,
                  ";",
                  "set-option",
                  "-t",
                  "t",
                  "remain-on-exit",
                  "on"},
                 env);
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    server_ = std::stoi(trim(tmux({"display-message", "-p", "-t", "t", "#{pid}"})));
    pane_ = std::stoi(trim(tmux({"display-message", "-p", "-t", "t", "#{pane_pid}"})));
  }
  ~Tmux() {
    // Only processes that are still the server's or (adopted) ours: a pid may have been reused.
    auto ours = [&](pid_t p) {
      if (p <= 0 || !fs::exists("/proc/" + std::to_string(p))) return false;
      long pp = ppid_of("/proc/" + std::to_string(p));
      return pp == server_ || pp == ::getpid();
    };
    // The pane's process first (the server's child, then ours once the server is gone), then the server.
    if (ours(pane_)) ::kill(pane_, SIGKILL);
    tmux({"kill-server"});
    for (pid_t p : {pane_, server_}) {
      for (int i = 0; i < 100 && ours(p); ++i) {
        if (::waitpid(p, nullptr, WNOHANG) == p) break;
        std::this_thread::sleep_for(50ms);
      }
      if (ours(p)) {
        ::kill(p, SIGKILL);
        ::waitpid(p, nullptr, 0);
      }
    }
  }
  Tmux(const Tmux&) = delete;
  Tmux& operator=(const Tmux&) = delete;

  std::string tmux(std::vector<std::string> args) const {
    args.insert(args.begin(), {"tmux", "-S", sock_});
    return run(args).out;
  }
  std::string screen() const { return tmux({"capture-pane", "-p", "-t", "t"}); }
  void type(const std::string& text) const {
    tmux({"send-keys", "-t", "t", "-l", text});
    tmux({"send-keys", "-t", "t", "Enter"});
  }
  // Waits until the screen shows `regex`; false after the timeout.
  bool shows(const std::string& regex, std::chrono::milliseconds timeout = 10s) const {
    return eventually([&] { return mentions(screen(), regex); }, timeout);
  }

 private:
  std::string sock_;
  pid_t server_ = -1;
  pid_t pane_ = -1;
};

}  // namespace

TEST_CASE("docker exec -it on a terminal: prompt, size, resize, typed commands and the exit status",
          "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  sleeper(d, "c");

  SECTION("under tmux") {
    // The pane's shell reports the CLI's status: tmux's own pane_dead_status was empty in 1 of ~5 runs here.
    Tmux tm(d, std::string(kDockerCli) + " exec -it c sh; echo cli-status=$?", 100, 40);
    INFO("--- berthd log ---\n" << d.log_tail());
    REQUIRE(tm.shows("/ #"));
    tm.type("busybox stty size");
    CHECK(tm.shows("\n40 100\n"));
    tm.type("echo typed-$((6*7))");
    CHECK(tm.shows("\ntyped-42\n"));
    tm.type("busybox tty");
    CHECK(tm.shows("\n/dev/pts/\\d+\n"));
    // A resize of the terminal reaches the shell (SIGWINCH in the CLI, POST /exec/ID/resize).
    tm.tmux({"resize-window", "-t", "t", "-x", "120", "-y", "50"});
    std::this_thread::sleep_for(300ms);
    tm.type("busybox stty size");
    CHECK(tm.shows("\n50 120\n"));
    tm.type("exit 3");
    CHECK(tm.shows("\ncli-status=3\n"));
  }
  SECTION("under script, commands on stdin") {
    Env env = d.cli_env();
    env.emplace_back("DOCKER_HOST", d.url());
    auto r = run({"script", "-q", "-e", "-c", std::string(kDockerCli) + " exec -it c sh", "/dev/null"}, env, 30s,
                 "echo in-$((1+1))\nbusybox tty\nexit 3\n");
    INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
    CHECK(r.exit_code == 3);
    CHECK(mentions(r.out, "in-2\r\n"));
    CHECK(mentions(r.out, "/dev/pts/\\d+"));
    CHECK(!r.timed_out);
  }
  SECTION("-t without -i: output on a TTY, CR LF line ends") {
    Env env = d.cli_env();
    env.emplace_back("DOCKER_HOST", d.url());
    auto r =
        run({"script", "-q", "-e", "-c", std::string(kDockerCli) + " exec -t c sh -c 'echo a; exit 5'", "/dev/null"},
            env, 30s);
    INFO(r.describe());
    CHECK(r.exit_code == 5);
    CHECK(mentions(r.out, "^a\r+\n"));
  }
}

TEST_CASE("docker-py: exec_run with demux, stream, exit codes, options and TTY, exec and attach sockets",
          "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  sleeper(d, "pyc");
  static const char* script = R"PY(
import docker, json, os, socket, struct, time
c = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="1.41", timeout=30)
api = c.api
ct = c.containers.get("pyc")
out = {}
def dec(b):
    return None if b is None else b.decode()

r = ct.exec_run('sh -c "echo o; echo e >&2"', demux=True)
out["demux"] = [dec(r.output[0]), dec(r.output[1])]
out["demux_code"] = r.exit_code
r = ct.exec_run('sh -c "echo o; echo e >&2; exit 6"')
out["plain"] = dec(r.output)
out["plain_code"] = r.exit_code
r = ct.exec_run(["sh", "-c", "echo a; sleep 0.3; echo b"], stream=True)
chunks = [x for x in r.output]
out["stream"] = b"".join(chunks).decode()
out["stream_code"] = r.exit_code
out["env"] = dec(ct.exec_run(["sh", "-c", "echo $X $FROMCTR"], environment={"X": "y"}).output)
out["user"] = dec(ct.exec_run(["sh", "-c", "id -u; id -g"], user="1000:1000").output)
out["workdir"] = dec(ct.exec_run("pwd", workdir="/tmp").output)
r = ct.exec_run(["sh", "-c", "busybox tty; exit 2"], tty=True)
out["tty"] = dec(r.output)
out["tty_code"] = r.exit_code
r = ct.exec_run(["sh", "-c", "sleep 0.2; touch /tmp/pyd"], detach=True)
for _ in range(100):
    if ct.exec_run(["busybox", "test", "-f", "/tmp/pyd"]).exit_code == 0:
        out["detached_ran"] = True
        break
    time.sleep(0.05)

def frames(sock, until=None, timeout=10):
    # Demuxed stdout / stderr until EOF (or until `until` arrived on stdout).
    sock.settimeout(timeout)
    buf, so, se = b"", b"", b""
    while True:
        while len(buf) >= 8:
            kind, n = struct.unpack(">BxxxL", buf[:8])
            if len(buf) < 8 + n:
                break
            if kind == 2:
                se += buf[8:8 + n]
            else:
                so += buf[8:8 + n]
            buf = buf[8 + n:]
        if until is not None and until in so:
            return so, se, False
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return so, se, "timeout"
        if not data:
            return so, se, True
        buf += data

e = api.exec_create("pyc", ["cat"], stdin=True)
s = api.exec_start(e["Id"], socket=True)
sock = s._sock
sock.sendall(b"ping\n")
so, se, ended = frames(sock, until=b"ping\n")
out["exec_socket_echo"] = so.decode()
sock.shutdown(socket.SHUT_WR)
so, se, ended = frames(sock)
out["exec_socket_ended"] = ended
sock.close()
for _ in range(100):
    ins = api.exec_inspect(e["Id"])
    if not ins["Running"]:
        break
    time.sleep(0.05)
out["exec_socket_inspect"] = [ins["Running"], ins["ExitCode"]]

cat = c.containers.run("busybox", ["cat"], detach=True, stdin_open=True, name="pycat")
a = api.attach_socket(cat.id, params={"stdin": 1, "stream": 1, "stdout": 1})
a._sock.sendall(b"hello\n")
so, se, ended = frames(a._sock, until=b"hello\n")
out["attach_echo"] = so.decode()
a._sock.close()
cat.remove(force=True)
print(json.dumps(out))
)PY";
  Env env = d.cli_env();
  env.emplace_back("DOCKER_HOST", d.url());
  auto r = run({"/usr/bin/python3", "-c", script}, env, 120s);
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(r.exit_code == 0);
  auto out = json::parse(r.out);
  INFO(out.dump(2));
  CHECK(out["demux"] == json({"o\n", "e\n"}));
  CHECK(out["demux_code"] == 0);
  CHECK(out["plain"] == "o\ne\n");
  CHECK(out["plain_code"] == 6);
  CHECK(out["stream"] == "a\nb\n");
  CHECK(out["stream_code"].is_null());  // docker-py leaves it to the caller when streaming
  CHECK(out["env"] == "y yes\n");
  CHECK(out["user"] == "1000\n1000\n");
  CHECK(out["workdir"] == "/tmp\n");
  CHECK(mentions(out["tty"].get<std::string>(), "^/dev/pts/\\d+\r\n$"));
  CHECK(out["tty_code"] == 2);
  CHECK(out["detached_ran"] == true);
  CHECK(out["exec_socket_echo"] == "ping\n");
  CHECK(out["exec_socket_ended"] == true);
  CHECK(out["exec_socket_inspect"] == json({false, 0}));
  CHECK(out["attach_echo"] == "hello\n");
}

TEST_CASE("podman --remote exec: output, exit code, options, and -it on a terminal", "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  write_empty_docker_config(d);
  sleeper(d, "c");

  auto r = d.podman({"exec", "c", "sh", "-c", "echo o; echo e >&2; exit 4"});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 4);
  CHECK(r.out == "o\n");
  CHECK(r.err == "e\n");

  auto opts = d.podman(
      {"exec", "-e", "A=b", "-w", "/tmp", "-u", "1000:1000", "c", "sh", "-c", "echo \"$A $FROMCTR\"; pwd; id -u"});
  INFO(opts.describe());
  CHECK(opts.exit_code == 0);
  CHECK(opts.out == "b yes\n/tmp\n1000\n");

  auto missing = d.podman({"exec", "c", "nosuchcmd"});
  INFO(missing.describe());
  CHECK(missing.exit_code == 127);
  CHECK(mentions(missing.err, "nosuchcmd"));

  Env env = d.cli_env();
  auto in = run({kPodmanCli, "--remote", "--url", d.url(), "exec", "-i", "c", "cat"}, env, 30s, "via-podman\n");
  INFO(in.describe());
  CHECK(in.exit_code == 0);
  CHECK(in.out == "via-podman\n");

  auto detached = d.podman({"exec", "-d", "c", "sh", "-c", "sleep 0.2; touch /tmp/pd"});
  INFO(detached.describe());
  CHECK(detached.exit_code == 0);
  CHECK(eventually([&] { return d.podman({"exec", "c", "busybox", "test", "-f", "/tmp/pd"}).exit_code == 0; }));

  auto tty = run({"script", "-q", "-e", "-c", std::string(kPodmanCli) + " --remote --url " + d.url() + " exec -it c sh",
                  "/dev/null"},
                 env, 30s, "echo in-$((2+3))\nbusybox tty\nexit 3\n");
  INFO(tty.describe());
  CHECK(tty.exit_code == 3);
  CHECK(mentions(tty.out, "in-5\r\n"));
  CHECK(mentions(tty.out, "/dev/pts/\\d+"));

  // The stopped container: podman says so and fails.
  out_of(d, {"kill", "c"});
  out_of(d, {"wait", "c"});
  auto stopped = d.podman({"exec", "c", "true"});
  INFO(stopped.describe());
  CHECK(stopped.exit_code != 0);
  CHECK(!stopped.timed_out);
  CHECK(mentions(stopped.err, "running"));
}

TEST_CASE("50 execs leave no conmon and no file descriptor behind", "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  sleeper(d, "c");
  // A first exec warms up whatever berthd opens once.
  REQUIRE(d.docker({"exec", "c", "true"}).exit_code == 0);
  auto conmons_before = our_conmons().size();
  CHECK(conmons_before == 1);  // the container's
  std::size_t fds_before = 0;
  eventually([&] {  // settled: the count no longer drops
    auto n = fd_count(d.pid());
    bool same = n == fds_before;
    fds_before = n;
    return same;
  });

  int failures = 0;
  for (int i = 0; i < 40; ++i) failures += d.docker({"exec", "c", "true"}).exit_code != 0;
  for (int i = 0; i < 5; ++i) failures += d.docker({"exec", "c", "nosuchcmd"}).exit_code != 127;
  for (int i = 0; i < 5; ++i) failures += d.docker({"exec", "-d", "c", "true"}).exit_code != 0;
  INFO("--- berthd log ---\n" << d.log_tail());
  CHECK(failures == 0);

  std::size_t conmons = 0, fds = 0;
  bool settled = eventually(
      [&] {
        conmons = our_conmons().size();
        fds = fd_count(d.pid());
        return conmons == conmons_before && fds <= fds_before;
      },
      15s);
  INFO("conmons " << conmons_before << " -> " << conmons << ", berthd fds " << fds_before << " -> " << fds);
  CHECK(settled);
  // The sessions are all recorded and finished.
  auto ids = json::parse(out_of(d, {"inspect", "-f", "{{json .ExecIDs}}", "c"}));
  CHECK(ids.size() == 51);
}

TEST_CASE("exec sessions and their exit codes survive a berthd crash", "[integration][exec]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  sleeper(d, "c");

  // One that ended before the crash, one that ends while no berthd runs, one never started.
  auto done = create_exec(d, "c", {{"Cmd", {"sh", "-c", "exit 5"}}, {"AttachStdout", true}});
  {
    HijackedStream s(d, "/v1.41/exec/" + done + "/start", R"({"Detach":false,"Tty":false})");
    REQUIRE(s.status() == 101);
    CHECK(s.demux_to_end().ended);
  }
  t(d, "GET", "/v1.41/exec/" + done + "/json", 200, {{".ExitCode", "5"}});
  auto later = create_exec(d, "c", {{"Cmd", {"sh", "-c", "sleep 1; exit 4"}}});
  auto started = d.request("POST", "/v1.41/exec/" + later + "/start", R"({"Detach":true})");
  INFO(started.describe());
  CHECK((started.status == 200 || started.status == 204));
  auto unstarted = create_exec(d, "c", {{"Cmd", {"true"}}});

  // The conmons (the container's and the running exec's) outlive berthd on purpose.
  auto monitors = our_conmons();
  CHECK(monitors.size() == 2);
  for (auto p : monitors) mark_fixture_process(p, true);
  REQUIRE(::kill(d.pid(), SIGKILL) == 0);
  REQUIRE(d.wait_exit(10s));
  std::this_thread::sleep_for(1500ms);  // `later` exits unseen
  d.start();

  INFO("--- berthd log ---\n" << d.log_tail());
  t(d, "GET", "/v1.41/exec/" + done + "/json", 200, {{".Running", "false"}, {".ExitCode", "5"}, {".ID", done}});
  t(d, "GET", "/v1.41/exec/" + later + "/json", 200, {{".Running", "false"}, {".ExitCode", "4"}});
  t(d, "GET", "/v4.3.1/libpod/exec/" + later + "/json", 200, {{".Running", "false"}, {".ExitCode", "4"}});
  t(d, "GET", "/v1.41/exec/" + unstarted + "/json", 200, {{".Running", "false"}});
  auto ids = json::parse(out_of(d, {"inspect", "-f", "{{json .ExecIDs}}", "c"}));
  for (const auto& want : {done, later, unstarted}) CHECK(std::find(ids.begin(), ids.end(), want) != ids.end());
  // The unstarted one can still run, and new execs work.
  {
    HijackedStream s(d, "/v1.41/exec/" + unstarted + "/start", R"({"Detach":false,"Tty":false})");
    CHECK(s.status() == 101);
    CHECK(s.demux_to_end().ended);
  }
  t(d, "GET", "/v1.41/exec/" + unstarted + "/json", 200, {{".Running", "false"}, {".ExitCode", "0"}});
  auto again = d.docker({"exec", "c", "sh", "-c", "echo back; exit 6"});
  CHECK(again.exit_code == 6);
  CHECK(again.out == "back\n");

  out_of(d, {"rm", "-f", "c"});
  for (auto p : monitors) mark_fixture_process(p, false);
  t(d, "GET", "/v1.41/exec/" + done + "/json", 404);
}
