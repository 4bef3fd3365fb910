// core::sys::run: exit codes, output capture, stdin, timeouts, missing programs, fd hygiene.
#include "core/sys/process.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "core/error.hpp"

using berth::core::sys::run;
using berth::core::sys::SpawnOptions;
using namespace std::chrono_literals;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("run captures stdout, stderr and the exit code", "[system][process]") {
  auto r = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(r.exit_code == 3);
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK(run({"/bin/true"}).exit_code == 0);
}

TEST_CASE("run reports death by signal as 128 + signal", "[system][process]") {
  CHECK(run({"sh", "-c", "kill -TERM $$"}).exit_code == 128 + 15);
}

TEST_CASE("run feeds stdin and survives large output on both pipes", "[system][process]") {
  CHECK(run({"cat"}, {.stdin_data = "hello"}).out == "hello");
  // 1 MiB in, 1 MiB out on stdout and on stderr: more than any pipe buffer, so a naive read order would deadlock.
  std::string big(1 << 20, 'x');
  auto r = run({"sh", "-c", "tee /dev/stderr"}, {.stdin_data = big});
  CHECK(r.exit_code == 0);
  CHECK(r.out.size() == big.size());
  CHECK(r.err.size() == big.size());
}

TEST_CASE("run does not die of SIGPIPE when the child ignores its stdin", "[system][process]") {
  auto r = run({"/bin/true"}, {.stdin_data = std::string(4 << 20, 'y')});
  CHECK(r.exit_code == 0);
}

TEST_CASE("run passes an explicit environment instead of the daemon's", "[system][process]") {
  auto r = run({"/bin/sh", "-c", "echo $BERTH_TEST_VAR:$HOME"}, {.env = {"BERTH_TEST_VAR=bar"}});
  CHECK(r.out == "bar:\n");
}

TEST_CASE("run kills a child that outlives its timeout", "[system][process]") {
  auto start = std::chrono::steady_clock::now();
  auto r = run({"sh", "-c", "echo before; exec sleep 30"}, {.timeout = 300ms});
  CHECK(r.exit_code == 128 + 9);
  CHECK(r.out == "before\n");
  CHECK(seconds_since(start) < 5);
}

TEST_CASE("run applies the timeout to a child that closed its outputs", "[system][process]") {
  auto start = std::chrono::steady_clock::now();
  auto r = run({"sh", "-c", "exec >&- 2>&-; exec sleep 30"}, {.timeout = 300ms});
  CHECK(r.exit_code == 128 + 9);
  CHECK(seconds_since(start) < 5);
  // And a child still reading stdin ends when the data is written and stdin closed.
  CHECK(run({"sh", "-c", "exec >&- 2>&-; cat >/dev/null"}, {.stdin_data = "x", .timeout = 5s}).exit_code == 0);
}

TEST_CASE("run returns when the child exits even if a grandchild holds its pipes", "[system][process]") {
  auto start = std::chrono::steady_clock::now();
  auto r = run({"sh", "-c", "sleep 3 & echo started"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "started\n");
  CHECK(seconds_since(start) < 2.5);
}

TEST_CASE("run fails with Errc::internal when the program does not exist", "[system][process]") {
  try {
    run({"berth-no-such-program-xyz", "--version"});
    FAIL("no error");
  } catch (const berth::core::Error& e) {
    CHECK(e.code() == berth::core::Errc::internal);
    CHECK_THAT(e.message(), Catch::Contains("berth-no-such-program-xyz"));
  }
  CHECK_THROWS_AS(run({"/nonexistent/dir/tool"}), berth::core::Error);
  CHECK_THROWS_AS(run({}), berth::core::Error);
}

TEST_CASE("run leaks no descriptor of the daemon into the child", "[system][process]") {
  // A descriptor opened without O_CLOEXEC, as a careless library would.
  int leaked = ::open("/dev/null", O_RDONLY);
  REQUIRE(leaked >= 0);
  int high = ::dup2(leaked, 77);
  REQUIRE(high == 77);
  auto r = run({"ls", "-1", "/proc/self/fd"});
  ::close(leaked);
  ::close(high);
  // ls sees its stdio and the directory it is reading, nothing else.
  CHECK(r.out == "0\n1\n2\n3\n");
}
