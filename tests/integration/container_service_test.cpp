// ContainerService on real runc, conmon and overlayfs: lifecycle, exits and codes, logs, stop escalation,
// restart policies, auto-remove, list filters, and state across a restart of the service.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "core/sys/process.hpp"
#include "tests/integration/container_fixtures.hpp"
#include "tests/support/error_of.hpp"

using berth::core::ContainerSpec;
using berth::core::ContainerStatus;
using berth::core::Errc;
using berth::test::code_of;
using berth::test::ContainerFixture;

namespace {

bool mounted(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);)
    if (line.find(" " + path + " ") != std::string::npos) return true;
  return false;
}

bool cgroup_left(const std::string& id) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/fs/cgroup", ec))
    if (std::filesystem::exists(e.path() / "berth" / id, ec)) return true;
  return false;
}

}  // namespace

TEST_CASE("a container runs, reports its exit code and output, and leaves nothing when removed", "[containers]") {
  ContainerFixture fx;
  auto id = fx.create({"sh", "-c", "echo hello; echo oops >&2; exit 3"});
  auto created = fx.svc().inspect(id);
  CHECK(created.container->state.status == ContainerStatus::created);
  CHECK(created.path == "sh");
  CHECK(created.args == std::vector<std::string>{"-c", "echo hello; echo oops >&2; exit 3"});
  fx.svc().start(id);
  REQUIRE(fx.wait(id) == 3);
  auto d = fx.svc().inspect(id);
  CHECK(d.container->state.status == ContainerStatus::exited);
  CHECK(d.container->state.exit_code == 3);
  CHECK(d.container->state.started_ns > 0);
  CHECK(d.container->state.finished_ns >= d.container->state.started_ns);
  CHECK(fx.logs(id) == "hello\noops\n");
  CHECK(fx.logs(id, {.stderr = false}) == "hello\n");
  CHECK(fx.logs(id, {.stdout = false}) == "oops\n");
  CHECK_FALSE(mounted(d.paths.merged));
  CHECK_FALSE(cgroup_left(id));

  // Started again: a second run appends to the same log.
  fx.svc().start(id);
  REQUIRE(fx.wait(id, "next-exit") == 3);
  CHECK(fx.logs(id) == "hello\noops\nhello\noops\n");

  CHECK(fx.svc().remove(id, {}) == id);
  CHECK_FALSE(fx.svc().exists(id));
  CHECK_FALSE(std::filesystem::exists(d.paths.dir));
  CHECK_FALSE(std::filesystem::exists(d.paths.bundle));
  CHECK(code_of([&] { fx.svc().inspect(id); }) == Errc::not_found);
}

TEST_CASE("network modes: a private namespace with loopback up, none alike, host shares the host's", "[containers]") {
  ContainerFixture fx;
  auto flags = [&](const std::string& mode) {
    ContainerSpec spec;
    spec.network_mode = mode;
    auto id = fx.create({"sh", "-c", "cat /sys/class/net/lo/flags; ls /sys/class/net | wc -l"}, spec);
    fx.svc().start(id);
    REQUIRE(fx.wait(id) == 0);
    std::string out = fx.logs(id);
    CHECK_FALSE(std::filesystem::exists(fx.config.runroot + "/netns/" + id));
    return out;
  };
  CHECK(flags("") == "0x9\n1\n");  // IFF_UP | IFF_LOOPBACK, and no other interface
  CHECK(flags("none") == "0x9\n1\n");
  std::size_t host_ifaces = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/sys/class/net")) ++host_ifaces;
  CHECK(flags("host") == "0x9\n" + std::to_string(host_ifaces) + "\n");
}

TEST_CASE("a running container: conflicts, pause, stop escalation to SIGKILL, kill", "[containers]") {
  ContainerFixture fx;
  auto id = fx.create({"sleep", "100"}, ContainerSpec{.name = "sleeper"});
  fx.svc().start("sleeper");
  auto d = fx.svc().inspect("sleeper");
  REQUIRE(d.container->state.status == ContainerStatus::running);
  int pid = d.container->state.pid;
  REQUIRE(pid > 0);
  CHECK(std::filesystem::exists("/proc/" + std::to_string(pid)));
  CHECK(mounted(d.paths.merged));
  CHECK(code_of([&] { fx.svc().start(id); }) == Errc::conflict);
  CHECK(code_of([&] { fx.svc().remove(id, {}); }) == Errc::conflict);
  CHECK(code_of([&] {
          fx.svc().create({.name = "sleeper", .image = "busybox", .command = std::vector<std::string>{"true"}});
        }) == Errc::conflict);

  auto top = fx.svc().top(id, "");
  REQUIRE(!top.processes.empty());
  CHECK(std::find(top.titles.begin(), top.titles.end(), "PID") != top.titles.end());

  fx.svc().pause(id);
  CHECK(fx.svc().inspect(id).container->state.status == ContainerStatus::paused);
  CHECK(code_of([&] { fx.svc().pause(id); }) == Errc::conflict);
  fx.svc().unpause(id);
  CHECK(fx.svc().inspect(id).container->state.status == ContainerStatus::running);

  // sleep as PID 1 has no TERM handler: the stop escalates after its timeout.
  auto start = std::chrono::steady_clock::now();
  CHECK(fx.svc().stop(id, {.timeout = 1}).was_running);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(900));
  auto after = fx.svc().inspect(id);
  CHECK(after.container->state.status == ContainerStatus::exited);
  CHECK(after.container->state.exit_code == 137);
  CHECK_FALSE(std::filesystem::exists("/proc/" + std::to_string(pid)));
  CHECK_FALSE(fx.svc().stop(id, {}).was_running);
  CHECK(code_of([&] { fx.svc().kill(id, "SIGTERM"); }) == Errc::conflict);

  fx.svc().start(id);
  CHECK(code_of([&] { fx.svc().kill(id, "SIGNOPE"); }) == Errc::invalid_argument);
  fx.svc().kill(id, "9");
  CHECK(fx.wait(id) == 137);
}

TEST_CASE("stop signals a process that handles TERM, restart runs it again", "[containers]") {
  ContainerFixture fx;
  auto id = fx.create({"sh", "-c", "trap 'echo bye; exit 0' TERM; echo up; while true; do sleep 0.1; done"});
  fx.svc().start(id);
  // Wait for the trap to be in place.
  for (int i = 0; i < 100 && fx.logs(id).find("up") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto start = std::chrono::steady_clock::now();
  CHECK(fx.svc().stop(id, {.timeout = 10}).was_running);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(fx.svc().inspect(id).container->state.exit_code == 0);
  fx.svc().restart(id, 1);
  CHECK(fx.svc().inspect(id).container->state.status == ContainerStatus::running);
  CHECK(fx.svc().stop(id, {.timeout = 5}).was_running);
}

TEST_CASE("restart policy on-failure:2 runs a failing container three times", "[containers]") {
  ContainerFixture fx;
  ContainerSpec spec;
  spec.restart = {.name = "on-failure", .max_retries = 2};
  auto id = fx.create({"sh", "-c", "echo run; exit 1"}, spec);
  fx.svc().start(id);
  for (int i = 0; i < 200; ++i) {
    auto c = fx.svc().inspect(id).container;
    if (c->state.restart_count == 2 && c->state.status == ContainerStatus::exited) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  auto c = fx.svc().inspect(id).container;
  CHECK(c->state.restart_count == 2);
  CHECK(c->state.status == ContainerStatus::exited);
  CHECK(c->state.exit_code == 1);
  CHECK(fx.logs(id) == "run\nrun\nrun\n");
}

TEST_CASE("auto-remove: the container is gone once it exits, wait for removed gets its code", "[containers]") {
  ContainerFixture fx;
  ContainerSpec spec;
  spec.auto_remove = true;
  auto id = fx.create({"sh", "-c", "exit 4"}, spec);
  fx.svc().start(id);
  CHECK(fx.wait(id, "removed") == 4);
  CHECK_FALSE(fx.svc().exists(id));
}

TEST_CASE("containers keep running across a service restart, an exit while it was down is picked up", "[containers]") {
  ContainerFixture fx;
  auto id = fx.create({"sleep", "100"});
  fx.svc().start(id);
  int pid = fx.svc().inspect(id).container->state.pid;
  fx.reopen();
  auto c = fx.svc().inspect(id).container;
  CHECK(c->state.status == ContainerStatus::running);
  CHECK(c->state.pid == pid);

  fx.close();
  ::kill(pid, SIGKILL);
  // conmon writes the exit file even with no berthd around.
  std::string exit_file = fx.config.runroot + "/exits/" + id;
  for (int i = 0; i < 200 && !std::filesystem::exists(exit_file); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(std::filesystem::exists(exit_file));
  fx.open();
  auto d = fx.svc().inspect(id);
  CHECK(d.container->state.status == ContainerStatus::exited);
  CHECK(d.container->state.exit_code == 137);
  CHECK_FALSE(mounted(d.paths.merged));
}

TEST_CASE("init prepares without starting, start runs it, an initialized container survives a restart",
          "[containers]") {
  ContainerFixture fx;
  auto id = fx.create({"sh", "-c", "echo ran; exit 4"});
  REQUIRE(fx.svc().init(id));
  CHECK_FALSE(fx.svc().init(id));  // podman's 304
  auto d = fx.svc().inspect(id);
  CHECK(d.container->state.status == ContainerStatus::initialized);
  CHECK(d.container->state.pid > 0);
  CHECK(mounted(d.paths.merged));
  CHECK(fx.logs(id).empty());  // runc create ran nothing of the image's yet

  fx.reopen();
  CHECK(fx.svc().inspect(id).container->state.status == ContainerStatus::initialized);
  fx.svc().start(id);
  REQUIRE(fx.wait(id) == 4);
  CHECK(fx.logs(id) == "ran\n");

  // Stopping an initialized container kills it; removing one needs no force and leaves nothing.
  REQUIRE(fx.svc().init(id));
  fx.svc().stop(id, {});
  CHECK(fx.svc().inspect(id).container->state.status == ContainerStatus::exited);
  REQUIRE(fx.svc().init(id));
  auto paths = fx.svc().inspect(id).paths;
  fx.svc().remove(id, {});
  CHECK_FALSE(fx.svc().exists(id));
  CHECK_FALSE(mounted(paths.merged));
  CHECK_FALSE(std::filesystem::exists(paths.netns));
}

TEST_CASE("an auto-remove container whose start fails is removed, and says why", "[containers]") {
  ContainerFixture fx;
  ContainerSpec spec;
  spec.auto_remove = true;
  auto id = fx.create({"/nonexistent"}, spec);
  CHECK(code_of([&] { fx.svc().start(id); }) == Errc::invalid_argument);
  CHECK_FALSE(fx.svc().exists(id));
}

TEST_CASE("a restart takes the code conmon persisted when the exit file is gone, sync keeps a live one",
          "[containers]") {
  ContainerFixture fx;
  auto id = fx.create({"sleep", "100"});
  fx.svc().start(id);
  int pid = fx.svc().inspect(id).container->state.pid;
  int conmon = fx.svc().inspect(id).container->state.conmon_pid;
  fx.svc().sync();
  CHECK(fx.svc().inspect(id).container->state.status == ContainerStatus::running);
  CHECK(fx.svc().inspect(id).container->state.pid == pid);
  fx.close();
  ::kill(pid, SIGKILL);
  std::string exit_file = fx.config.runroot + "/exits/" + id;
  for (int i = 0; i < 200 && !std::filesystem::exists(exit_file); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(std::filesystem::exists(exit_file));
  for (int i = 0; i < 200 && berth::core::sys::process_alive(conmon); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::filesystem::remove(exit_file);  // only runc's state and the persisted code tell now
  fx.open();
  fx.svc().sync();
  auto c = fx.svc().inspect(id).container;
  CHECK(c->state.status == ContainerStatus::exited);
  CHECK(c->state.exit_code == 137);
}

TEST_CASE("a docker Binds host path that is missing is made a directory, a Mounts bind's is a 400", "[containers]") {
  ContainerFixture fx;
  std::string fresh = fx.config.root + "/made-by-binds/sub";
  ContainerSpec binds;
  binds.mounts.push_back({.type = "bind", .source = fresh, .destination = "/data", .create_source = true});
  auto id = fx.create({"true"}, binds);
  CHECK(std::filesystem::is_directory(fresh));
  CHECK((std::filesystem::status(fresh).permissions() & std::filesystem::perms::others_exec) !=
        std::filesystem::perms::none);
  ContainerSpec mounts;
  mounts.mounts.push_back({.type = "bind", .source = fresh + "2", .destination = "/data"});
  CHECK(code_of([&] { fx.create({"true"}, mounts); }) == Errc::invalid_argument);
  CHECK_FALSE(std::filesystem::exists(fresh + "2"));
  fx.svc().remove(id, {});
}

TEST_CASE("bad input: unknown image, bad names, missing executable, bad mounts, nothing left behind", "[containers]") {
  ContainerFixture fx;
  CHECK(code_of([&] { fx.create({"true"}, ContainerSpec{.image = "nosuchimage"}); }) == Errc::not_found);
  CHECK(code_of([&] { fx.create({"true"}, ContainerSpec{.name = "bad name!"}); }) == Errc::invalid_argument);
  ContainerSpec bind;
  bind.mounts.push_back({.type = "bind", .source = "/nonexistent/berth/path", .destination = "/data"});
  CHECK(code_of([&] { fx.create({"true"}, bind); }) == Errc::invalid_argument);
  ContainerSpec mem;
  mem.resources.memory = 1024;
  CHECK(code_of([&] { fx.create({"true"}, mem); }) == Errc::invalid_argument);
  CHECK(fx.svc().count() == 0);
  CHECK(std::filesystem::is_empty(fx.config.root + "/containers"));

  auto id = fx.create({"/bin/nosuchcommand"});
  CHECK(code_of([&] { fx.svc().start(id); }) == Errc::invalid_argument);  // a missing executable: the client's fault
  auto d = fx.svc().inspect(id);
  CHECK(d.container->state.status == ContainerStatus::created);
  CHECK(d.container->state.error.find("nosuchcommand") != std::string::npos);
  CHECK_FALSE(mounted(d.paths.merged));
  CHECK_FALSE(cgroup_left(id));
  CHECK_FALSE(std::filesystem::exists(fx.config.runroot + "/runc/" + id));
}

TEST_CASE("list: all, last, and filters", "[containers]") {
  ContainerFixture fx;
  auto a = fx.create({"sh", "-c", "exit 2"}, ContainerSpec{.name = "alpha", .labels = {{"tier", "db"}}});
  auto b = fx.create({"sleep", "100"}, ContainerSpec{.name = "beta", .labels = {{"tier", "web"}}});
  auto c = fx.create({"true"}, ContainerSpec{.name = "gamma"});
  fx.svc().start(a);
  REQUIRE(fx.wait(a) == 2);
  fx.svc().start(b);
  auto names = [&](berth::core::containers::ListOptions o) {
    std::vector<std::string> out;
    for (const auto& l : fx.svc().list(o)) out.push_back(l.container->name);
    return out;
  };
  CHECK(names({}) == std::vector<std::string>{"beta"});
  CHECK(names({.all = true}) == std::vector<std::string>{"gamma", "beta", "alpha"});
  CHECK(names({.last = 2}) == std::vector<std::string>{"gamma", "beta"});
  CHECK(names({.all = true, .filters = {{"status", {"exited"}}}}) == std::vector<std::string>{"alpha"});
  CHECK(names({.all = true, .filters = {{"status", {"created"}}}}) == std::vector<std::string>{"gamma"});
  CHECK(names({.all = true, .filters = {{"exited", {"2"}}}}) == std::vector<std::string>{"alpha"});
  CHECK(names({.all = true, .filters = {{"label", {"tier=web"}}}}) == std::vector<std::string>{"beta"});
  CHECK(names({.all = true, .filters = {{"label", {"tier"}}}}) == std::vector<std::string>{"beta", "alpha"});
  CHECK(names({.all = true, .filters = {{"name", {"^al"}}}}) == std::vector<std::string>{"alpha"});
  CHECK(names({.all = true, .filters = {{"id", {b.substr(0, 10)}}}}) == std::vector<std::string>{"beta"});
  CHECK(names({.all = true, .filters = {{"ancestor", {"busybox"}}}}).size() == 3);
  CHECK(names({.all = true, .filters = {{"before", {"gamma"}}}}) == std::vector<std::string>{"beta", "alpha"});
  CHECK(names({.all = true, .filters = {{"since", {"alpha"}}}}) == std::vector<std::string>{"gamma", "beta"});
  CHECK(code_of([&] { fx.svc().list({.filters = {{"bogus", {"x"}}}}); }) == Errc::invalid_argument);
  CHECK(code_of([&] { fx.svc().list({.filters = {{"status", {"sleepy"}}}}); }) == Errc::invalid_argument);
  CHECK(fx.svc().list({.all = true, .size = true}).front().size_rw >= 0);

  fx.svc().rename("gamma", "delta");
  CHECK(fx.svc().find("delta")->id == c);
  CHECK_FALSE(fx.svc().exists("gamma"));
  auto pruned = fx.svc().prune({});
  CHECK(pruned.deleted.size() == 2);  // alpha and delta; beta runs
  CHECK(names({.all = true}) == std::vector<std::string>{"beta"});
}
