// The real drivers against the real tools: overlay mounts, conmon + runc container lifecycle, cgroup cleanup.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <regex>

#include "core/drivers/overlay_mount.hpp"
#include "core/drivers/runc_errors.hpp"
#include "core/error.hpp"
#include "core/sys/cgroup.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/process.hpp"
#include "tests/support/drivers_fixture.hpp"

namespace fs = std::filesystem;
using berth::core::Errc;
using berth::core::Error;
using berth::test::ContainerSandbox;
using berth::test::read_text;
using berth::test::TempDir;
using berth::test::wait_for_file;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Unmounts on scope exit, so a failed CHECK never leaves a mount in /tmp.
struct MountGuard {
  berth::core::drivers::OverlayMounter& m;
  std::string target;
  ~MountGuard() {
    try {
      m.unmount(target);
    } catch (...) {
    }
  }
};

}  // namespace

TEST_CASE("overlay: the top layer hides the bottom one and a whiteout hides a lower file", "[drivers]") {
  TempDir tmp("bdrv");
  tmp.write("top/a", "top");
  tmp.write("bottom/a", "bottom");
  tmp.write("bottom/b", "deleted above");
  tmp.write("bottom/c", "keep");
  REQUIRE(::mknod(tmp.sub("top/b").c_str(), S_IFCHR | 0600, makedev(0, 0)) == 0);
  for (const char* d : {"upper", "work", "merged"}) fs::create_directories(tmp.sub(d));

  berth::core::drivers::OverlayMounter mounter;
  MountGuard guard{mounter, tmp.sub("merged")};
  mounter.mount({tmp.sub("top"), tmp.sub("bottom")}, tmp.sub("upper"), tmp.sub("work"), tmp.sub("merged"));
  CHECK(mounter.mounted(tmp.sub("merged")));
  CHECK(read_text(tmp.sub("merged/a")) == "top");
  CHECK_FALSE(fs::exists(tmp.sub("merged/b")));
  CHECK(read_text(tmp.sub("merged/c")) == "keep");
  tmp.write("merged/new", "written");
  CHECK(read_text(tmp.sub("upper/new")) == "written");

  mounter.unmount(tmp.sub("merged"));
  CHECK_FALSE(mounter.mounted(tmp.sub("merged")));
  CHECK(fs::is_empty(tmp.sub("merged")));
  CHECK_NOTHROW(mounter.unmount(tmp.sub("merged")));  // not mounted: not an error
}

namespace {

// 40 layer dirs whose paths together are far beyond one page; each has its own file and a "shared" one.
std::vector<std::string> many_long_layers(const TempDir& tmp) {
  std::string long_dir = tmp.sub(std::string(200, 'L'));
  std::vector<std::string> lowers;
  for (int i = 0; i < 40; ++i) {
    std::string dir = long_dir + "/layer-" + std::to_string(i) + "-" + std::string(40, 'x');
    fs::create_directories(dir);
    std::ofstream(dir + "/f" + std::to_string(i)) << i;
    std::ofstream(dir + "/shared") << i;
    lowers.push_back(dir);
  }
  size_t option_bytes = 0;
  for (const auto& l : lowers) option_bytes += l.size() + 1;
  REQUIRE(option_bytes > 4096);
  for (const char* d : {"upper", "work", "merged"}) fs::create_directories(tmp.sub(d));
  return lowers;
}

}  // namespace

TEST_CASE("overlay: 40 layers with long paths pass the 4 KiB option limit", "[drivers]") {
  TempDir tmp("bdrv");
  auto lowers = many_long_layers(tmp);
  berth::core::drivers::OverlayMounter mounter;
  MountGuard guard{mounter, tmp.sub("merged")};
  mounter.mount(lowers, tmp.sub("upper"), tmp.sub("work"), tmp.sub("merged"));
  CHECK(mounter.mounted(tmp.sub("merged")));
  CHECK(read_text(tmp.sub("merged/f0")) == "0");
  CHECK(read_text(tmp.sub("merged/f39")) == "39");
  CHECK(read_text(tmp.sub("merged/shared")) == "0");  // the first lower dir is the top layer
}

TEST_CASE("overlay: the mount(2) fallback also takes 40 layers with long paths", "[drivers]") {
  TempDir tmp("bdrv");
  auto lowers = many_long_layers(tmp);
  berth::core::drivers::OverlayMounter mounter;
  MountGuard guard{mounter, tmp.sub("merged")};
  berth::core::drivers::mount_overlay_classic(lowers, tmp.sub("upper"), tmp.sub("work"), tmp.sub("merged"));
  CHECK(mounter.mounted(tmp.sub("merged")));
  CHECK(read_text(tmp.sub("merged/f0")) == "0");
  CHECK(read_text(tmp.sub("merged/f39")) == "39");
  CHECK(read_text(tmp.sub("merged/shared")) == "0");
}

TEST_CASE("overlay: no lower dirs mounts an empty root", "[drivers]") {
  TempDir tmp("bdrv");
  for (const char* d : {"c/upper", "c/work", "c/merged"}) fs::create_directories(tmp.sub(d));
  berth::core::drivers::OverlayMounter mounter;
  MountGuard guard{mounter, tmp.sub("c/merged")};
  mounter.mount({}, tmp.sub("c/upper"), tmp.sub("c/work"), tmp.sub("c/merged"));
  CHECK(mounter.mounted(tmp.sub("c/merged")));
  CHECK(fs::is_empty(tmp.sub("c/merged")));
  tmp.write("c/merged/x", "1");
  CHECK(read_text(tmp.sub("c/upper/x")) == "1");
}

TEST_CASE("conmon + runc: a short container runs, logs and leaves its exit code", "[drivers]") {
  ContainerSandbox box({"sh", "-c", "echo hello; exit 3"});
  auto t0 = Clock::now();
  auto launched = box.conmon.create(box.spec());
  double created_ms = ms_since(t0);
  CHECK(launched.pid > 0);
  CHECK(launched.conmon_pid > 0);
  CHECK(berth::test::process_alive(launched.conmon_pid));
  auto st = box.runc.state(box.id);
  REQUIRE(st);
  CHECK(st->status == "created");
  CHECK(st->pid == launched.pid);

  box.runc.start(box.id);
  double started_ms = ms_since(t0);
  REQUIRE(wait_for_file(box.exit_file()));
  double exited_ms = ms_since(t0);
  CHECK(read_text(box.exit_file()) == "3");
  CHECK(read_text(box.tmp.sub("persist/exit")) == "3");
  std::cerr << "[drivers timing] conmon create " << created_ms << " ms, started " << started_ms << " ms, exit file "
            << exited_ms << " ms\n";

  std::regex line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d stdout F hello\n)");
  CHECK(std::regex_match(read_text(box.spec().log_path), line));
  REQUIRE(box.runc.state(box.id));
  CHECK(box.runc.state(box.id)->status == "stopped");

  box.runc.remove(box.id, false);
  CHECK_FALSE(box.runc.state(box.id));
  berth::core::sys::remove_cgroup(box.cgroup);
  CHECK_FALSE(berth::core::sys::cgroup_exists(box.cgroup));
}

TEST_CASE("conmon + runc: log driver none writes no log but still the exit code", "[drivers]") {
  ContainerSandbox box({"sh", "-c", "echo quiet; exit 5"});
  auto spec = box.spec();
  spec.log_driver = "none";
  box.conmon.create(spec);
  box.runc.start(box.id);
  REQUIRE(wait_for_file(box.exit_file()));
  CHECK(read_text(box.exit_file()) == "5");
  CHECK_FALSE(fs::exists(spec.log_path));
}

TEST_CASE("conmon + runc: a long-running container pauses, resumes and dies by SIGKILL", "[drivers]") {
  ContainerSandbox box({"sleep", "100"});
  auto launched = box.conmon.create(box.spec());
  box.runc.start(box.id);
  auto st = box.runc.state(box.id);
  REQUIRE(st);
  CHECK(st->status == "running");
  CHECK(st->pid == launched.pid);
  CHECK(berth::test::process_alive(st->pid));
  CHECK(box.runc.pids(box.id) == std::vector<int>{launched.pid});
  CHECK(berth::core::sys::cgroup_exists(box.cgroup));
  CHECK(fs::is_directory("/sys/fs/cgroup/memory" + box.cgroup));

  box.runc.pause(box.id);
  CHECK(box.runc.state(box.id)->status == "paused");
  CHECK(read_text("/sys/fs/cgroup/freezer" + box.cgroup + "/freezer.state") == "FROZEN\n");
  box.runc.resume(box.id);
  CHECK(box.runc.state(box.id)->status == "running");

  box.runc.update(box.id, R"({"pids": {"limit": 50}})");
  CHECK(read_text("/sys/fs/cgroup/pids" + box.cgroup + "/pids.max") == "50\n");

  box.runc.kill(box.id, SIGKILL, false);
  REQUIRE(wait_for_file(box.exit_file()));
  CHECK(read_text(box.exit_file()) == "137");
  CHECK(box.runc.state(box.id)->status == "stopped");

  SECTION("killing a stopped container is a conflict") {
    try {
      box.runc.kill(box.id, SIGTERM, false);
      FAIL("kill of a stopped container succeeded");
    } catch (const Error& e) {
      INFO(e.message());
      CHECK(e.code() == Errc::conflict);
      CHECK_THAT(e.cause(), Catch::Contains("not running"));
    }
  }
  box.runc.remove(box.id, false);
  CHECK_FALSE(box.runc.state(box.id));
  berth::core::sys::remove_cgroup(box.cgroup);
  berth::core::sys::remove_cgroup_if_empty("/berth-test");
  CHECK_FALSE(berth::core::sys::cgroup_exists(box.cgroup));
  for (const auto& root : berth::core::sys::cgroup_hierarchies()) CHECK_FALSE(fs::exists(root + box.cgroup));
}

TEST_CASE("conmon + runc: a missing executable is the user's error and leaves nothing behind", "[drivers]") {
  ContainerSandbox box({"/bin/no-such-program"});
  try {
    box.conmon.create(box.spec());
    FAIL("create succeeded");
  } catch (const Error& e) {
    INFO(e.message());
    CHECK(e.code() == Errc::invalid_argument);
    CHECK_THAT(e.cause(), Catch::Contains("/bin/no-such-program") && Catch::Contains("no such file or directory"));
  }
  CHECK_FALSE(box.runc.state(box.id));
  int monitor = 0;
  std::ifstream(box.spec().conmon_pid_file) >> monitor;
  // conmon exits by itself; PID 1 reaps it after a short delay.
  auto deadline = Clock::now() + std::chrono::seconds(2);
  while (berth::test::process_alive(monitor) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK_FALSE(berth::test::process_alive(monitor));
  CHECK_FALSE(berth::core::sys::cgroup_exists(box.cgroup));
  CHECK(fs::is_empty(box.tmp.sub("runc")));
}

TEST_CASE("runc: removing an unknown container is not an error, its state is absent", "[drivers]") {
  TempDir tmp("bdrv");
  berth::core::drivers::Runc runc("/usr/sbin/runc", tmp.sub("runc"));
  std::string id = berth::test::random_hex_id();
  CHECK_FALSE(runc.state(id));
  CHECK_NOTHROW(runc.remove(id, false));
  CHECK_NOTHROW(runc.remove(id, true));
  try {
    runc.start(id);
    FAIL("start of an unknown container succeeded");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::not_found);
    CHECK_THAT(e.cause(), Catch::Contains("does not exist"));
  }
}

TEST_CASE("spawn_detached: mapped fds, nothing else, its own session", "[drivers]") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  berth::core::sys::Fd read_end(fds[0]);
  berth::core::sys::Fd write_end(fds[1]);
  berth::core::sys::DetachedOptions opts;
  opts.env = {"MARK=x"};
  opts.fds = {{write_end.get(), 5}};
  // ls lists its own fd of /proc/self/fd too, so the expected set is 0-2, 5 and that one.
  int pid = berth::core::sys::spawn_detached(
      {"/bin/busybox", "sh", "-c", "echo $MARK >&5; ls /proc/self/fd | wc -l >&5; cut -d' ' -f6 /proc/self/stat >&5"},
      opts);
  write_end.reset();
  CHECK(berth::core::sys::wait_exit(pid, std::chrono::seconds(10)) == 0);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(read_end.get(), buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  // The session id printed by `cut` (a child of the shell) is the shell's pid: setsid made it a session leader.
  CHECK(out == "x\n5\n" + std::to_string(pid) + "\n");
}

TEST_CASE("runc_message: the last error of JSON or text logs", "[drivers]") {
  using berth::core::drivers::runc_message;
  CHECK(runc_message(R"({"level":"warning","msg":"w","time":"t"})"
                     "\n"
                     R"({"level":"error","msg":"container not running","time":"t"})"
                     "\n") == "container not running");
  CHECK(runc_message(R"(time="t" level=error msg="exec: \"/x\": stat /x: no such file or directory")") ==
        R"(exec: "/x": stat /x: no such file or directory)");
  CHECK(runc_message("  plain failure\n") == "plain failure");
  CHECK(runc_message("", "from stdout") == "from stdout");
  CHECK(berth::core::drivers::missing_executable(R"(exec: "/x": stat /x: no such file or directory)"));
  CHECK(berth::core::drivers::missing_executable(R"(exec: "x": executable file not found in $PATH)"));
  CHECK_FALSE(berth::core::drivers::missing_executable("permission denied"));
}
