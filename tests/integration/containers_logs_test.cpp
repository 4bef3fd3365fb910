// Container logs through real clients: docker logs (streams kept apart, --tail, --since, -t, -f, a TTY's raw
// bytes), --log-driver json-file and none, containers.conf log_size_max bounding the file, and podman --remote logs.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <string>

#include "tests/integration/container_cli.hpp"
#include "tests/integration/container_fixtures.hpp"
#include "tests/integration/registry_clients.hpp"
#include "tests/support/berthd.hpp"

using namespace berth::test;
using namespace berth::test::regcli;
using namespace berth::test::ctrcli;

namespace {

// `docker run -d` of `script` under sh, then `docker wait` for its exit: its whole output is in the log after.
std::string run_to_exit(const Berthd& d, const std::string& name, const std::string& script,
                        const std::vector<std::string>& run_flags = {}) {
  std::vector<std::string> args{"run", "-d", "--name", name};
  args.insert(args.end(), run_flags.begin(), run_flags.end());
  args.insert(args.end(), {"busybox", "sh", "-c", script});
  auto id = out_of(d, args);
  REQUIRE(out_of(d, {"wait", name}) == "0");
  return id;
}

// The RFC3339Nano timestamp that `docker logs -t` put before `text`.
std::string stamp_of(const std::string& stamped, const std::string& text) {
  std::smatch m;
  std::regex re("(\\S+) " + text + "\n");
  REQUIRE(std::regex_search(stamped, m, re));
  return m[1];
}

}  // namespace

TEST_CASE("docker logs keeps stdout and stderr apart, --tail picks the last lines", "[integration][containers-logs]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  run_to_exit(d, "both", "echo out1; echo err1 >&2; echo out2; echo err2 >&2; seq 1 5");
  auto all = docker_ok(d, {"logs", "both"});
  CHECK(all.out == "out1\nout2\n1\n2\n3\n4\n5\n");
  CHECK(all.err == "err1\nerr2\n");

  run_to_exit(d, "count", "seq 1 5");
  CHECK(docker_ok(d, {"logs", "--tail", "3", "count"}).out == "3\n4\n5\n");
  CHECK(docker_ok(d, {"logs", "--tail", "all", "count"}).out == "1\n2\n3\n4\n5\n");
  CHECK(docker_ok(d, {"logs", "--tail", "9", "count"}).out == "1\n2\n3\n4\n5\n");
  // The tail counts the lines of both streams together (conmon drains the two pipes in its own order, so which
  // lines those are is not fixed, only how many).
  auto last3 = docker_ok(d, {"logs", "--tail", "3", "both"});
  CHECK(std::count(last3.out.begin(), last3.out.end(), '\n') + std::count(last3.err.begin(), last3.err.end(), '\n') ==
        3);
  auto none = docker_ok(d, {"logs", "--tail", "0", "both"});
  CHECK(none.out.empty());
  CHECK(none.err.empty());
  // A line without its newline (printf) is still shown, as written.
  run_to_exit(d, "nonl", "printf 'a\\nno newline'");
  CHECK(docker_ok(d, {"logs", "nonl"}).out == "a\nno newline");
  CHECK(mentions(docker_fails(d, {"logs", "nosuch"}).err, "no such container"));
}

TEST_CASE("docker logs -t and --since (RFC 3339 and relative)", "[integration][containers-logs]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  // The sleep puts "old" more than 2 s before "new", so `--since 2s` right after the exit cuts between them.
  run_to_exit(d, "clock", "echo old; sleep 3; echo new");
  auto stamped = docker_ok(d, {"logs", "-t", "clock"}).out;
  CHECK(std::regex_match(stamped, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z old\n)"
                                             R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z new\n)")));
  CHECK(docker_ok(d, {"logs", "--since", "2s", "clock"}).out == "new\n");
  // since is inclusive: a record stamped exactly at it is shown.
  CHECK(docker_ok(d, {"logs", "--since", stamp_of(stamped, "new"), "clock"}).out == "new\n");
  CHECK(docker_ok(d, {"logs", "--since", stamp_of(stamped, "old"), "clock"}).out == "old\nnew\n");
  CHECK(docker_ok(d, {"logs", "--until", stamp_of(stamped, "old"), "clock"}).out == "old\n");
  // -t with --tail: the stamp of the last line only.
  auto tail = trim(docker_ok(d, {"logs", "-t", "--tail", "1", "clock"}).out);
  CHECK(tail == stamp_of(stamped, "new") + " new");
}

TEST_CASE("docker logs -f follows a running container and returns when it exits", "[integration][containers-logs]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  out_of(d, {"run", "-d", "--name", "ticker", "busybox", "sh", "-c",
             "for i in $(seq 1 10); do echo line$i; sleep 0.2; done; echo done >&2"});
  // No --until and no timeout: the command ends by itself because the container does.
  auto r = d.docker({"logs", "-f", "ticker"}, {}, std::chrono::seconds(30));
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  REQUIRE(!r.timed_out);
  CHECK(r.exit_code == 0);
  std::string want;
  for (int i = 1; i <= 10; ++i) want += "line" + std::to_string(i) + "\n";
  CHECK(r.out == want);
  CHECK(r.err == "done\n");
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}}", "ticker"}) == "exited");
  // Following an exited container prints what it wrote and ends too.
  auto again = d.docker({"logs", "-f", "--tail", "2", "ticker"}, {}, std::chrono::seconds(30));
  REQUIRE(!again.timed_out);
  CHECK(again.out == "line10\n");
  CHECK(again.err == "done\n");
}

TEST_CASE("docker logs of a TTY container: raw bytes, no multiplexing", "[integration][containers-logs]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  run_to_exit(d, "tty", "echo hello; echo oops >&2", {"-t"});
  // Both streams went to the terminal, which turned "\n" into "\r\n"; the CLI copies the body as it is.
  auto r = docker_ok(d, {"logs", "tty"});
  CHECK(r.out == "hello\r\noops\r\n");
  CHECK(r.err.empty());
  auto raw = d.request("GET", "/v1.41/containers/tty/logs?stdout=1&stderr=1");
  CHECK(raw.status == 200);
  CHECK(raw.body == "hello\r\noops\r\n");
  // libpod frames even a TTY's output (stream 1).
  auto framed = d.request("GET", "/v4.3.1/libpod/containers/tty/logs?stdout=1&stderr=1");
  CHECK(framed.status == 200);
  CHECK(framed.body == std::string("\1\0\0\0\0\0\0\7hello\r\n\1\0\0\0\0\0\0\6oops\r\n", 29));
}

TEST_CASE("docker --log-driver json-file and none", "[integration][containers-logs]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  run_to_exit(d, "json", "echo hi", {"--log-driver", "json-file"});
  CHECK(out_of(d, {"inspect", "-f", "{{.HostConfig.LogConfig.Type}}", "json"}) == "json-file");
  CHECK(docker_ok(d, {"logs", "json"}).out == "hi\n");

  run_to_exit(d, "quiet", "echo hi", {"--log-driver", "none"});
  CHECK(out_of(d, {"inspect", "-f", "{{.HostConfig.LogConfig.Type}}", "quiet"}) == "none");
  auto r = docker_fails(d, {"logs", "quiet"});
  CHECK(mentions(r.err, "configured logging driver does not support reading"));
  CHECK(r.out.empty());
  CHECK(mentions(docker_fails(d, {"run", "-d", "--log-driver", "syslog", "busybox", "true"}).err,
                 "log driver \"syslog\" is not supported"));
}

TEST_CASE("containers.conf log_size_max keeps the log file bounded", "[integration][containers-logs]") {
  TempDir tmp;
  constexpr long kMax = 64 * 1024;
  BerthdOptions opts;
  opts.args = {"--config", tmp.write("containers.conf", "[containers]\nlog_size_max = " + std::to_string(kMax) + "\n")};
  Berthd d(opts);
  import_busybox(d, tmp);
  // 2 MB of 100-byte lines: 30 times the limit.
  auto id = run_to_exit(
      d, "big",
      "yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | head "
      "-n 20000; echo last");
  struct stat st {};
  REQUIRE(::stat((d.root() + "/containers/" + id + "/ctr.log").c_str(), &st) == 0);
  // conmon starts a fresh file once the next write would pass the limit: never more than it plus one write.
  CHECK(st.st_size <= kMax + 8192 + 4096);
  CHECK(st.st_size > 0);
  // What is left is the newest output ending with the last line; only the first line may be the tail of one
  // that a fresh file cut.
  auto out = docker_ok(d, {"logs", "big"}).out;
  CHECK(out.size() < static_cast<std::size_t>(kMax));
  REQUIRE(out.size() >= 6);
  CHECK(out.substr(out.size() - 5) == "last\n");
  auto body = out.substr(out.find('\n') + 1);
  auto lines = static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n'));
  CHECK(lines > 10);
  CHECK(matching_lines(body, "a{99}|last").size() == lines);
}

TEST_CASE("podman --remote logs", "[integration][containers-logs]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  write_empty_docker_config(d);
  auto podman = [&](const std::vector<std::string>& args) {
    auto r = d.podman(args);
    INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
    REQUIRE(r.exit_code == 0);
    return r;
  };
  podman({"run", "-d", "--name", "pl", "docker.io/library/busybox", "sh", "-c", "echo one; echo two >&2; echo three"});
  CHECK(trim(podman({"wait", "pl"}).out) == "0");
  auto all = podman({"logs", "pl"});
  CHECK(all.out == "one\nthree\n");
  CHECK(all.err == "two\n");
  // --tail 1: one line of either stream (conmon drains the two pipes in its own order).
  auto last = podman({"logs", "--tail", "1", "pl"});
  CHECK((last.out + last.err == "three\n" || last.out + last.err == "two\n"));
  auto stamped = podman({"logs", "-t", "pl"}).out;
  CHECK(std::regex_match(stamped, std::regex(R"((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* (one|three)\n){2})")));
  // -f on an exited container ends by itself.
  CHECK(podman({"logs", "-f", "pl"}).out == "one\nthree\n");
  // podman 4.3.1's client demuxes the 404's JSON body before it looks at the status, so it prints a framing
  // error whatever the server says: only the failure itself is the server's to get right.
  auto missing = d.podman({"logs", "nosuch"});
  CHECK(missing.exit_code != 0);
  CHECK(d.request("GET", "/v4.3.1/libpod/containers/nosuch/logs?stdout=1").status == 404);
}
