// Containers through real clients, the checks users make: every `docker ps` filter and its text, the inspect fields,
// what run's options do inside the container, docker events (a past range and a live stream), prune/rm/stop edge
// cases, containers surviving a berthd crash, and docker-py's containers API.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "tests/integration/container_cli.hpp"
#include "tests/integration/container_fixtures.hpp"
#include "tests/integration/registry_clients.hpp"
#include "tests/support/berthd.hpp"

using namespace berth::test;
using namespace berth::test::regcli;
using namespace berth::test::ctrcli;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

// `docker ps ARGS --format {{.Names}}`, one name a line, in docker's order (newest first).
std::vector<std::string> ps_names(const Berthd& d, std::vector<std::string> args) {
  args.insert(args.begin(), "ps");
  args.insert(args.end(), {"--format", "{{.Names}}"});
  return lines_of(docker_ok(d, args).out);
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

json inspect_json(const Berthd& d, const std::string& name) {
  auto doc = json::parse(docker_ok(d, {"inspect", "--type", "container", name}).out);
  REQUIRE(doc.is_array());
  REQUIRE(doc.size() == 1);
  return doc[0];
}

struct Finished {
  int code = -1;
  std::string out, err;
};

// `docker run -d ARGS`, then `docker wait`, `docker logs` (stdout and stderr apart) and `docker rm`: what an
// attached `docker run` would have shown.
Finished run_to_end(const Berthd& d, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"run", "-d"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto id = out_of(d, argv);
  REQUIRE(std::regex_match(id, std::regex("[0-9a-f]{64}")));
  Finished f;
  f.code = std::stoi(out_of(d, {"wait", id}));
  auto logs = docker_ok(d, {"logs", id});
  f.out = logs.out;
  f.err = logs.err;
  docker_ok(d, {"rm", id});
  return f;
}

// The output of a container running `script` with the given docker run options (before the image).
std::string output_of(const Berthd& d, std::vector<std::string> opts, const std::string& script) {
  opts.insert(opts.end(), {"busybox", "sh", "-c", script});
  auto f = run_to_end(d, opts);
  INFO("script: " << script << "\nexit " << f.code << "\nstdout: " << f.out << "\nstderr: " << f.err);
  CHECK(f.code == 0);
  return trim(f.out);
}

// RFC 3339 with nanoseconds as docker prints it; seconds since the epoch (fraction dropped).
bool is_rfc3339(const std::string& s) {
  return std::regex_match(s, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d))"));
}

// This process's children whose command line mentions conmon: after a berthd crash they are the test's (the
// fixture is their subreaper), not leaks.
std::vector<pid_t> conmon_children() {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string s((std::istreambuf_iterator<char>(stat)), {});
    auto paren = s.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(s.substr(paren + 1));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid != ::getpid()) continue;
    std::ifstream cmd(e.path() / "cmdline");
    std::string c((std::istreambuf_iterator<char>(cmd)), {});
    if (c.find("conmon") != std::string::npos) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

bool alive(long pid) { return pid > 0 && fs::exists("/proc/" + std::to_string(pid)); }

std::string unix_now(int offset_seconds = 0) { return std::to_string(std::time(nullptr) + offset_seconds); }

}  // namespace

TEST_CASE("docker ps: every filter, --last, -q, --no-trunc and the status text", "[integration][containers-cli2]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  auto other_id = docker_import(d, tmp, "other", "other:1");
  auto hostdir = tmp.sub("data");
  fs::create_directories(hostdir);

  auto created = out_of(d, {"create", "--name", "c-created", "--label", "tier=db", "busybox", "true"});
  auto running =
      out_of(d, {"run", "-d", "--name", "c-run", "--label", "tier=web", "--label", "solo", "busybox", "sleep", "1000"});
  out_of(d, {"run", "-d", "--name", "c-exit3", "busybox", "sh", "-c", "exit 3"});
  REQUIRE(out_of(d, {"wait", "c-exit3"}) == "3");
  out_of(d, {"run", "-d", "--name", "c-paused", "busybox", "sleep", "1000"});
  out_of(d, {"pause", "c-paused"});
  out_of(d,
         {"run", "-d", "--name", "c-vol", "-v", hostdir + ":/data", "--network", "none", "busybox", "sleep", "1000"});
  out_of(d, {"run", "-d", "--name", "c-host", "--network", "host", "other:1", "busybox", "sleep", "1000"});

  SECTION("no filter: running and paused ones, newest first; -a adds the rest") {
    CHECK(ps_names(d, {}) == std::vector<std::string>{"c-host", "c-vol", "c-paused", "c-run"});
    CHECK(ps_names(d, {"-a"}) ==
          std::vector<std::string>{"c-host", "c-vol", "c-paused", "c-exit3", "c-run", "c-created"});
  }
  SECTION("id and name") {
    CHECK(ps_names(d, {"-a", "--filter", "id=" + running.substr(0, 10)}) == std::vector<std::string>{"c-run"});
    CHECK(ps_names(d, {"-a", "--filter", "id=" + created}) == std::vector<std::string>{"c-created"});
    CHECK(ps_names(d, {"-a", "--filter", "name=c-ex"}) == std::vector<std::string>{"c-exit3"});
    CHECK(ps_names(d, {"-a", "--filter", "name=^c-run$"}) == std::vector<std::string>{"c-run"});
    CHECK(sorted(ps_names(d, {"-a", "--filter", "name=c-run", "--filter", "name=c-vol"})) ==
          std::vector<std::string>{"c-run", "c-vol"});
    CHECK(ps_names(d, {"-a", "--filter", "name=nosuch"}).empty());
  }
  SECTION("label: a key, key=value, and two labels together") {
    CHECK(ps_names(d, {"-a", "--filter", "label=tier"}) == std::vector<std::string>{"c-run", "c-created"});
    CHECK(ps_names(d, {"--filter", "label=tier"}) == std::vector<std::string>{"c-run"});
    CHECK(ps_names(d, {"-a", "--filter", "label=tier=db"}) == std::vector<std::string>{"c-created"});
    CHECK(ps_names(d, {"-a", "--filter", "label=tier", "--filter", "label=solo"}) == std::vector<std::string>{"c-run"});
    CHECK(ps_names(d, {"-a", "--filter", "label=tier=nope"}).empty());
  }
  SECTION("status: created, running, exited, paused (without -a too)") {
    CHECK(ps_names(d, {"--filter", "status=created"}) == std::vector<std::string>{"c-created"});
    CHECK(ps_names(d, {"--filter", "status=running"}) == std::vector<std::string>{"c-host", "c-vol", "c-run"});
    CHECK(ps_names(d, {"--filter", "status=exited"}) == std::vector<std::string>{"c-exit3"});
    CHECK(ps_names(d, {"--filter", "status=paused"}) == std::vector<std::string>{"c-paused"});
    CHECK(sorted(ps_names(d, {"--filter", "status=paused", "--filter", "status=exited"})) ==
          std::vector<std::string>{"c-exit3", "c-paused"});
    auto bad = docker_fails(d, {"ps", "--filter", "status=sleeping"});
    CHECK(mentions(bad.err, "invalid filter"));
  }
  SECTION("exited=N") {
    CHECK(ps_names(d, {"-a", "--filter", "exited=3"}) == std::vector<std::string>{"c-exit3"});
    CHECK(ps_names(d, {"-a", "--filter", "exited=0"}).empty());
  }
  SECTION("ancestor: image name, full ID, short ID") {
    CHECK(ps_names(d, {"-a", "--filter", "ancestor=other:1"}) == std::vector<std::string>{"c-host"});
    CHECK(ps_names(d, {"-a", "--filter", "ancestor=" + other_id}) == std::vector<std::string>{"c-host"});
    CHECK(ps_names(d, {"-a", "--filter", "ancestor=" + hex(other_id).substr(0, 12)}) ==
          std::vector<std::string>{"c-host"});
    CHECK(ps_names(d, {"-a", "--filter", "ancestor=busybox"}).size() == 5);
    CHECK(ps_names(d, {"-a", "--filter", "ancestor=busybox:latest"}).size() == 5);
  }
  SECTION("before and since") {
    CHECK(ps_names(d, {"-a", "--filter", "before=c-exit3"}) == std::vector<std::string>{"c-run", "c-created"});
    CHECK(ps_names(d, {"-a", "--filter", "since=c-paused"}) == std::vector<std::string>{"c-host", "c-vol"});
    CHECK(ps_names(d, {"-a", "--filter", "since=" + created.substr(0, 12), "--filter", "before=c-paused"}) ==
          std::vector<std::string>{"c-exit3", "c-run"});
  }
  SECTION("volume: the bind's destination and its source") {
    CHECK(ps_names(d, {"-a", "--filter", "volume=/data"}) == std::vector<std::string>{"c-vol"});
    CHECK(ps_names(d, {"-a", "--filter", "volume=" + hostdir}) == std::vector<std::string>{"c-vol"});
    CHECK(ps_names(d, {"-a", "--filter", "volume=/elsewhere"}).empty());
  }
  SECTION("network none and host; health none") {
    CHECK(ps_names(d, {"-a", "--filter", "network=none"}) == std::vector<std::string>{"c-vol"});
    CHECK(ps_names(d, {"-a", "--filter", "network=host"}) == std::vector<std::string>{"c-host"});
    CHECK(ps_names(d, {"--filter", "health=none"}).size() == 4);
    CHECK(ps_names(d, {"--filter", "health=healthy"}).empty());
  }
  SECTION("--last / -n count every state, newest first") {
    CHECK(ps_names(d, {"--last", "2"}) == std::vector<std::string>{"c-host", "c-vol"});
    CHECK(ps_names(d, {"-n", "4"}) == std::vector<std::string>{"c-host", "c-vol", "c-paused", "c-exit3"});
    CHECK(ps_names(d, {"-n", "1", "--filter", "status=exited"}) == std::vector<std::string>{"c-exit3"});
  }
  SECTION("-q prints short IDs, --no-trunc full ones") {
    auto q = lines_of(docker_ok(d, {"ps", "-q", "--filter", "name=c-run"}).out);
    CHECK(q == std::vector<std::string>{running.substr(0, 12)});
    auto full = lines_of(docker_ok(d, {"ps", "-a", "-q", "--no-trunc", "--filter", "name=c-created"}).out);
    CHECK(full == std::vector<std::string>{created});
    auto all = lines_of(docker_ok(d, {"ps", "-aq"}).out);
    CHECK(all.size() == 6);
    for (const auto& id : all) CHECK(std::regex_match(id, std::regex("[0-9a-f]{12}")));
    auto table = docker_ok(d, {"ps", "--no-trunc", "--filter", "name=c-run"}).out;
    CHECK(mentions(table, running));
    CHECK(mentions(table, "\"sleep 1000\""));
  }
  SECTION("--format text of .Status, .Image, .Command, .Labels") {
    auto text = docker_ok(d, {"ps", "-a", "--format", "{{.Names}}|{{.Status}}|{{.Image}}"}).out;
    INFO(text);
    CHECK(has_line(text, R"(c-created\|Created\|busybox)"));
    CHECK(has_line(text, R"(c-run\|Up (Less than a second|\d+ seconds?)\|busybox)"));
    CHECK(has_line(text, R"(c-exit3\|Exited \(3\) (Less than a second|\d+ seconds?) ago\|busybox)"));
    CHECK(has_line(text, R"(c-paused\|Up (Less than a second|\d+ seconds?) \(Paused\)\|busybox)"));
    CHECK(has_line(text, R"(c-host\|Up .*\|other:1)"));
    CHECK(out_of(d, {"ps", "--filter", "name=c-run", "--format", "{{.Label \"tier\"}}"}) == "web");
  }

  out_of(d, {"unpause", "c-paused"});
  docker_ok(d, {"rm", "-f", "c-created", "c-run", "c-exit3", "c-paused", "c-vol", "c-host"});
  CHECK(docker_ok(d, {"ps", "-aq"}).out.empty());
}

TEST_CASE("docker inspect: the fields users check", "[integration][containers-cli2]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  auto hostdir = tmp.sub("m");
  fs::create_directories(hostdir);
  auto image_id = trim(docker_ok(d, {"images", "-q", "--no-trunc", "busybox"}).out);

  out_of(d, {"run",
             "-d",
             "--name",
             "insp",
             "-e",
             "A=1",
             "-w",
             "/tmp",
             "-u",
             "1000:1000",
             "--label",
             "k=v",
             "--memory",
             "64m",
             "--cpus",
             "0.5",
             "--restart",
             "on-failure:3",
             "-v",
             hostdir + ":/m:ro",
             "--stop-signal",
             "SIGTERM",
             "--stop-timeout",
             "1",
             "--entrypoint",
             "sh",
             "busybox",
             "-c",
             "sleep 1000"});
  auto j = inspect_json(d, "insp");
  INFO(j.dump(2));
  CHECK(j["Name"] == "/insp");
  CHECK(j["Image"] == image_id);
  CHECK(j["RestartCount"] == 0);
  CHECK(j["State"]["Status"] == "running");
  CHECK(j["State"]["Running"] == true);
  CHECK(j["State"]["Paused"] == false);
  CHECK(j["State"]["ExitCode"] == 0);
  long pid = j["State"]["Pid"].get<long>();
  CHECK(alive(pid));
  std::ifstream comm("/proc/" + std::to_string(pid) + "/cmdline");
  std::string cmdline((std::istreambuf_iterator<char>(comm)), {});
  CHECK(cmdline.find("sleep") != std::string::npos);
  auto started = j["State"]["StartedAt"].get<std::string>();
  CHECK(is_rfc3339(started));
  CHECK(started.rfind("0001-", 0) != 0);
  CHECK(j["State"]["FinishedAt"] == "0001-01-01T00:00:00Z");

  const auto& cfg = j["Config"];
  auto env = cfg["Env"].get<std::vector<std::string>>();
  CHECK(std::find(env.begin(), env.end(), "A=1") != env.end());
  CHECK(cfg["Cmd"] == json({"-c", "sleep 1000"}));
  CHECK(cfg["Entrypoint"] == json({"sh"}));
  CHECK(cfg["WorkingDir"] == "/tmp");
  CHECK(cfg["User"] == "1000:1000");
  CHECK(cfg["Labels"] == json({{"k", "v"}}));
  CHECK(cfg["StopSignal"] == "SIGTERM");
  CHECK(cfg["StopTimeout"] == 1);
  CHECK(cfg["Image"] == "busybox");

  const auto& host = j["HostConfig"];
  CHECK(host["Memory"] == 64 * 1024 * 1024);
  CHECK(host["NanoCpus"] == 500000000);
  CHECK(host["RestartPolicy"]["Name"] == "on-failure");
  CHECK(host["RestartPolicy"]["MaximumRetryCount"] == 3);
  REQUIRE(host["Binds"].size() == 1);
  CHECK(host["Binds"][0].get<std::string>().rfind(hostdir + ":/m:ro", 0) == 0);  // podman adds ",rprivate,rbind"
  CHECK(host["AutoRemove"] == false);

  REQUIRE(j["Mounts"].size() == 1);
  const auto& m = j["Mounts"][0];
  CHECK(m["Type"] == "bind");
  CHECK(m["Source"] == hostdir);
  CHECK(m["Destination"] == "/m");
  CHECK(m["RW"] == false);

  CHECK(out_of(d, {"inspect", "-f", "{{.State.Pid}}", "insp"}) == std::to_string(pid));
  CHECK(out_of(d, {"stop", "insp"}) == "insp");
  CHECK(!alive(pid));
  auto after = inspect_json(d, "insp");
  INFO(after["State"].dump(2));
  CHECK(after["State"]["Status"] == "exited");
  CHECK(after["State"]["Running"] == false);
  CHECK(after["State"]["Pid"] == 0);
  CHECK(after["State"]["StartedAt"] == started);
  auto finished = after["State"]["FinishedAt"].get<std::string>();
  CHECK(is_rfc3339(finished));
  CHECK(finished.substr(0, 19) >= started.substr(0, 19));  // same zone (Z): the text compares as the time does
  CHECK(finished.rfind("0001-", 0) != 0);
  // sh as PID 1 ignores SIGTERM (no handler), so the stop timeout of 1 s ended in SIGKILL.
  CHECK(out_of(d, {"inspect", "-f", "{{.State.ExitCode}}", "insp"}) == "137");

  out_of(d, {"create", "--rm", "--name", "auto", "busybox", "true"});
  CHECK(out_of(d, {"inspect", "-f", "{{.HostConfig.AutoRemove}} {{.HostConfig.RestartPolicy.Name}}", "auto"}) ==
        "true no");
  docker_ok(d, {"rm", "insp", "auto"});
}

TEST_CASE("docker run options take effect inside the container", "[integration][containers-cli2]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);

  SECTION("-e, --env-file, -w, -u") {
    auto env_file = tmp.write("env.list", "B=world\n# a comment\nC=two words\n");
    CHECK(output_of(d, {"-e", "A=hello", "--env-file", env_file}, "echo \"$A $B $C\"") == "hello world two words");
    CHECK(output_of(d, {"-w", "/tmp"}, "pwd") == "/tmp");
    CHECK(output_of(d, {"-w", "/made/here"}, "pwd") == "/made/here");
    auto id = output_of(d, {"-u", "1000:1000"}, "id");
    CHECK(id.rfind("uid=1000(app) gid=1000(app)", 0) == 0);
    CHECK(output_of(d, {"-u", "app"}, "id -u; id -g") == "1000\n1000");
  }
  SECTION("--memory, --cpus, --pids-limit in the container's cgroups (v1)") {
    CHECK(output_of(d, {"--memory", "64m"}, "cat /sys/fs/cgroup/memory/memory.limit_in_bytes") == "67108864");
    CHECK(output_of(d, {"--cpus", "0.5"},
                    "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us") == "50000\n100000");
    CHECK(output_of(d, {"--pids-limit", "42"}, "cat /sys/fs/cgroup/pids/pids.max") == "42");
  }
  SECTION("--read-only, --tmpfs, -v host:ro") {
    CHECK(output_of(d, {"--read-only"}, "touch /x 2>/dev/null; echo $?") == "1");
    CHECK(output_of(d, {"--read-only", "--tmpfs", "/t"},
                    "touch /t/a && echo ok; busybox awk '$2 == \"/t\" {print $3}' /proc/mounts") == "ok\ntmpfs");
    auto hostdir = tmp.sub("ro");
    fs::create_directories(hostdir);
    std::ofstream(hostdir + "/f") << "from host";
    CHECK(output_of(d, {"-v", hostdir + ":/m:ro"}, "cat /m/f; echo; touch /m/g 2>/dev/null; echo $?") ==
          "from host\n1");
    CHECK(!fs::exists(hostdir + "/g"));
    CHECK(output_of(d, {"-v", hostdir + ":/m"}, "touch /m/g; echo $?") == "0");
    CHECK(fs::exists(hostdir + "/g"));
  }
  SECTION("--cap-drop, --cap-add, --privileged") {
    auto capeff = [&](std::vector<std::string> opts) {
      return output_of(d, std::move(opts), "busybox awk '/^CapEff/ {print $2}' /proc/self/status");
    };
    CHECK(capeff({"--cap-drop", "ALL"}) == "0000000000000000");
    CHECK(capeff({"--cap-drop", "ALL", "--cap-add", "NET_ADMIN"}) == "0000000000001000");  // bit 12
    auto deflt = std::stoull(capeff({}), nullptr, 16);
    CHECK((deflt & 1) == 1);  // CAP_CHOWN by default
    auto dropped = std::stoull(capeff({"--cap-drop", "CHOWN"}), nullptr, 16);
    CHECK(dropped == (deflt & ~1ULL));
    auto added = std::stoull(capeff({"--cap-add", "SYS_ADMIN"}), nullptr, 16);
    CHECK(added == (deflt | (1ULL << 21)));
    // Privileged: every capability the host's root has.
    std::ifstream status("/proc/self/status");
    std::string line, host_caps;
    while (std::getline(status, line))
      if (line.rfind("CapEff:", 0) == 0) host_caps = trim(line.substr(line.find_first_not_of(" \t", 7)));
    CHECK(capeff({"--privileged"}) == host_caps);
  }
  SECTION("--ulimit, --hostname, --add-host, --shm-size") {
    CHECK(output_of(d, {"--ulimit", "nofile=512:512"}, "ulimit -n; ulimit -Hn") == "512\n512");
    CHECK(output_of(d, {"--ulimit", "nofile=256:1024"}, "ulimit -Sn; ulimit -Hn") == "256\n1024");
    CHECK(output_of(d, {"--hostname", "myhost"}, "hostname; cat /etc/hostname") == "myhost\nmyhost");
    auto hosts = output_of(d, {"--add-host", "db.local:10.1.2.3"}, "cat /etc/hosts");
    CHECK(has_line(hosts, R"(10\.1\.2\.3\s+db\.local)"));
    CHECK(output_of(d, {"--shm-size", "32m"}, "busybox df -k /dev/shm | busybox awk 'NR==2 {print $2}'") == "32768");
    CHECK(output_of(d, {}, "busybox df -k /dev/shm | busybox awk 'NR==2 {print $2}'") == "65536");
  }
  SECTION("--init: PID 1 is the host's init, the command its child") {
    auto out = output_of(d, {"--init"}, "cat /proc/1/cmdline | busybox tr '\\0' ' '; echo; echo $$");
    INFO(out);
    auto ls = lines_of(out);
    REQUIRE(ls.size() == 2);
    CHECK(mentions(ls[0], "^/run/podman-init "));
    CHECK(ls[1] != "1");
    CHECK(output_of(d, {}, "echo $$") == "1");
  }
}

TEST_CASE("docker events: a past range and a live die", "[integration][containers-cli2]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  auto since = unix_now(-1);
  auto id = out_of(d, {"run", "-d", "--name", "ev1", "--label", "ev=1", "busybox", "sh", "-c", "exit 2"});
  CHECK(out_of(d, {"wait", "ev1"}) == "2");
  out_of(d, {"rm", "ev1"});
  std::this_thread::sleep_for(1100ms);
  auto until = unix_now(1);

  SECTION("--since/--until list create, start, die, destroy in order, in docker's text format") {
    auto r = docker_ok(d, {"events", "--since", since, "--until", until, "--filter", "type=container"});
    INFO(r.out);
    auto ours = matching_lines(r.out, R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[-+Z].* container \w+ )" + id + " .*");
    std::vector<std::string> actions;
    for (const auto& l : ours) {
      std::smatch m;
      std::regex_search(l, m, std::regex(" container (\\w+) "));
      actions.push_back(m[1]);
    }
    std::vector<std::string> want = {"create", "start", "die", "destroy"};
    std::vector<std::string> got_wanted;
    for (const auto& a : actions)
      if (std::find(want.begin(), want.end(), a) != want.end()) got_wanted.push_back(a);
    CHECK(got_wanted == want);
    CHECK(has_line(r.out, ".* container die " + id + R"( \(.*exitCode=2.*\))"));
    CHECK(has_line(r.out, ".* container create " + id + R"( \(.*image=busybox.*name=ev1.*\))"));
    CHECK(has_line(r.out, ".* container start " + id + R"( \(.*ev=1.*\))"));
    // The same range, filtered on one event.
    auto only_die = docker_ok(d, {"events", "--since", since, "--until", until, "--filter", "event=die"}).out;
    CHECK(lines_of(only_die).size() == 1);
    CHECK(mentions(only_die, " container die " + id));
    // Before the container existed: nothing.
    CHECK(docker_ok(d, {"events", "--since", unix_now(-100), "--until", unix_now(-50)}).out.empty());
  }
  SECTION("--filter event=die streams the death of a container while it happens") {
    auto live = std::async(std::launch::async, [&] {
      return d.docker({"events", "--filter", "event=die", "--filter", "container=ev2"}, {}, 8s);
    });
    std::this_thread::sleep_for(1s);  // docker events is connected
    auto id2 = out_of(d, {"run", "-d", "--name", "ev2", "busybox", "sh", "-c", "sleep 1; exit 4"});
    auto other = out_of(d, {"run", "-d", "--name", "ev3", "busybox", "true"});
    CHECK(out_of(d, {"wait", "ev2"}) == "4");
    auto r = live.get();
    INFO(r.describe());
    CHECK(r.timed_out);  // it streamed until killed
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 1);
    CHECK(mentions(lines[0], " container die " + id2 + R"( \(.*exitCode=4)"));
    CHECK(!mentions(r.out, other));
    docker_ok(d, {"rm", "ev2", "ev3"});
  }
}

TEST_CASE("docker container prune filters, rm -f, rm of a running one, stop of a stopped one",
          "[integration][containers-cli2]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  auto old_id = out_of(d, {"run", "-d", "--name", "p-old", "busybox", "true"});
  out_of(d, {"wait", "p-old"});
  std::this_thread::sleep_for(1100ms);
  auto cut = unix_now();
  std::this_thread::sleep_for(1100ms);
  auto new_id = out_of(d, {"run", "-d", "--name", "p-new", "busybox", "true"});
  auto lab_id = out_of(d, {"run", "-d", "--name", "p-lab", "--label", "gone=1", "busybox", "true"});
  out_of(d, {"wait", "p-new"});
  out_of(d, {"wait", "p-lab"});
  auto created_id = out_of(d, {"create", "--name", "p-created", "--label", "gone=1", "busybox", "true"});
  auto run_id = out_of(d, {"run", "-d", "--name", "p-run", "--label", "gone=1", "busybox", "sleep", "1000"});
  long pid = std::stol(out_of(d, {"inspect", "-f", "{{.State.Pid}}", "p-run"}));

  auto pruned = docker_ok(d, {"container", "prune", "-f", "--filter", "until=" + cut}).out;
  INFO(pruned);
  CHECK(lines_of(pruned) == std::vector<std::string>{"Deleted Containers:", old_id, "Total reclaimed space: 0B"});
  CHECK(sorted(ps_names(d, {"-a"})) == std::vector<std::string>{"p-created", "p-lab", "p-new", "p-run"});

  auto by_label = docker_ok(d, {"container", "prune", "-f", "--filter", "label=gone=1"}).out;
  INFO(by_label);
  // p-created is not running: docker prunes created containers too.
  CHECK(sorted(lines_of(by_label)) == sorted({"Deleted Containers:", lab_id, created_id, "Total reclaimed space: 0B"}));
  CHECK(sorted(ps_names(d, {"-a"})) == std::vector<std::string>{"p-new", "p-run"});

  auto rm = docker_fails(d, {"rm", "p-run"});
  CHECK(mentions(rm.err, "running"));
  CHECK(d.request("DELETE", "/v1.41/containers/p-run").status == 409);
  CHECK(alive(pid));
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}}", "p-run"}) == "running");

  auto stop = docker_ok(d, {"stop", "p-new"});
  CHECK(trim(stop.out) == "p-new");
  CHECK(stop.err.empty());
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "p-new"}) == "exited 0");

  CHECK(out_of(d, {"rm", "-f", "p-run"}) == "p-run");
  CHECK(!alive(pid));
  CHECK(mentions(docker_fails(d, {"inspect", "--type", "container", run_id}).err, "no such container"));
  CHECK(docker_ok(d, {"container", "prune", "-f"}).out.find(new_id) != std::string::npos);
  CHECK(docker_ok(d, {"ps", "-aq"}).out.empty());
}

TEST_CASE("a berthd killed with SIGKILL finds its containers again through docker", "[integration][containers-cli2]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  auto id = out_of(d, {"run", "-d", "--name", "dur", "busybox", "sleep", "1000"});
  out_of(d, {"run", "-d", "--name", "dur7", "busybox", "sh", "-c", "sleep 2; exit 7"});
  long pid = std::stol(out_of(d, {"inspect", "-f", "{{.State.Pid}}", "dur"}));
  long pid7 = std::stol(out_of(d, {"inspect", "-f", "{{.State.Pid}}", "dur7"}));
  REQUIRE(alive(pid));
  REQUIRE(alive(pid7));

  // The conmons outlive berthd on purpose: tell the leak check they are the test's.
  auto monitors = conmon_children();
  CHECK(monitors.size() == 2);
  for (auto p : monitors) mark_fixture_process(p, true);
  ::kill(d.pid(), SIGKILL);
  REQUIRE(d.wait_exit(10s));
  // dur7 exits while nobody watches.
  for (int i = 0; i < 100 && alive(pid7); ++i) std::this_thread::sleep_for(100ms);
  REQUIRE(!alive(pid7));
  d.start();

  CHECK(out_of(d, {"ps", "--format", "{{.Names}} {{.ID}}"}) == "dur " + id.substr(0, 12));
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}} {{.State.Pid}}", "dur"}) == "running " + std::to_string(pid));
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}", "dur7"}) ==
        "exited 7 false");
  CHECK(out_of(d, {"ps", "-a", "--filter", "exited=7", "--format", "{{.Names}}"}) == "dur7");
  CHECK(out_of(d, {"wait", "dur7"}) == "7");

  // The restarted daemon still controls the survivor: stop, then a fresh start.
  CHECK(out_of(d, {"kill", "dur"}) == "dur");
  CHECK(out_of(d, {"wait", "dur"}) == "137");
  CHECK(!alive(pid));
  docker_ok(d, {"rm", "dur", "dur7"});
  for (auto p : monitors) mark_fixture_process(p, false);
  CHECK(docker_ok(d, {"ps", "-aq"}).out.empty());
}

TEST_CASE("docker-py: run, logs, wait, reload, list, get, rename, top, pause, kill, stop, remove",
          "[integration][containers-cli2]") {
  Berthd d;
  RemoveAllContainers cleanup{d};
  TempDir tmp;
  import_busybox(d, tmp);
  static const char* script = R"PY(
import docker, json, time
c = docker.DockerClient(base_url=__import__("os").environ["DOCKER_HOST"], version="1.41", timeout=30)
out = {}
ct = c.containers.run("busybox", ["sh", "-c", "echo hello; echo oops >&2; exit 5"], detach=True, name="py1",
                      labels={"app": "py"})
out["id_len"] = len(ct.id)
out["wait"] = ct.wait()
out["logs"] = ct.logs().decode()
out["stdout"] = ct.logs(stdout=True, stderr=False).decode()
ct.reload()
out["status_after_exit"] = ct.status
lc = c.containers.run("busybox", ["sleep", "1000"], detach=True, name="py2", labels={"app": "py", "role": "long"})
lc.reload()
out["status_running"] = lc.status
out["list_label"] = sorted(x.name for x in c.containers.list(all=True, filters={"label": "app=py"}))
out["list_role"] = [x.name for x in c.containers.list(all=True, filters={"label": ["app=py", "role=long"]})]
out["list_exited"] = [x.name for x in c.containers.list(all=True, filters={"status": "exited"})]
out["list_exit5"] = [x.name for x in c.containers.list(all=True, filters={"exited": 5})]
out["list_running"] = [x.name for x in c.containers.list()]
attrs = c.containers.get("py2").attrs
out["get_name"] = attrs["Name"]
out["get_cmd"] = attrs["Config"]["Cmd"]
out["get_labels"] = attrs["Config"]["Labels"]
lc.rename("py3")
out["renamed"] = c.containers.get("py3").name
out["renamed_id"] = c.containers.get("py3").id == lc.id
try:
    c.containers.get("py2")
    out["old_name"] = "found"
except docker.errors.NotFound:
    out["old_name"] = "notfound"
top = lc.top()
out["top_titles"] = top["Titles"]
out["top_procs"] = top["Processes"]
lc.pause(); lc.reload(); out["paused"] = lc.status
lc.unpause(); lc.reload(); out["unpaused"] = lc.status
lc.kill(signal="SIGKILL")
out["kill_wait"] = lc.wait()
lc.reload(); out["after_kill"] = lc.status
s = c.containers.run("busybox", ["sleep", "1000"], detach=True, name="py4")
t0 = time.time(); s.stop(timeout=1); out["stop_secs"] = time.time() - t0
s.reload(); out["stopped"] = s.status; out["stopped_code"] = s.attrs["State"]["ExitCode"]
for x in (ct, lc, s):
    x.remove()
try:
    c.containers.get("py1")
    out["removed"] = "found"
except docker.errors.NotFound:
    out["removed"] = "notfound"
out["left"] = [x.name for x in c.containers.list(all=True)]
print(json.dumps(out))
)PY";
  Env env = d.cli_env();
  env.emplace_back("DOCKER_HOST", d.url());
  auto r = run({"/usr/bin/python3", "-c", script}, env, 120s);
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(r.exit_code == 0);
  auto out = json::parse(r.out);
  CHECK(out["id_len"] == 64);
  CHECK(out["wait"]["StatusCode"] == 5);
  CHECK(out["logs"] == "hello\noops\n");
  CHECK(out["stdout"] == "hello\n");
  CHECK(out["status_after_exit"] == "exited");
  CHECK(out["status_running"] == "running");
  CHECK(out["list_label"] == json({"py1", "py2"}));
  CHECK(out["list_role"] == json({"py2"}));
  CHECK(out["list_exited"] == json({"py1"}));
  CHECK(out["list_exit5"] == json({"py1"}));
  CHECK(out["list_running"] == json({"py2"}));
  CHECK(out["get_name"] == "/py2");
  CHECK(out["get_cmd"] == json({"sleep", "1000"}));
  CHECK(out["get_labels"] == json({{"app", "py"}, {"role", "long"}}));
  CHECK(out["renamed"] == "py3");
  CHECK(out["renamed_id"] == true);
  CHECK(out["old_name"] == "notfound");
  CHECK(std::find(out["top_titles"].begin(), out["top_titles"].end(), "PID") != out["top_titles"].end());
  REQUIRE(out["top_procs"].size() == 1);
  CHECK(mentions(out["top_procs"][0].dump(), "sleep 1000"));
  CHECK(out["paused"] == "paused");
  CHECK(out["unpaused"] == "running");
  CHECK(out["kill_wait"]["StatusCode"] == 137);
  CHECK(out["after_kill"] == "exited");
  CHECK(out["stopped"] == "exited");
  CHECK(out["stopped_code"] == 137);
  CHECK(out["stop_secs"].get<double>() < 5.0);
  CHECK(out["removed"] == "notfound");
  CHECK(out["left"] == json::array());
}
