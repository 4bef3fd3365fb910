// SystemService on this machine's real host: kernel, CPUs, tool versions, counts hook, remote socket, speed.
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/config/config.hpp"
#include "core/store/store.hpp"
#include "core/sys/process.hpp"
#include "core/system/engine_id.hpp"
#include "core/system/host_facts.hpp"
#include "core/system/host_stats.hpp"
#include "core/system/proc_files.hpp"
#include "core/system/service.hpp"
#include "tests/support/temp_dir.hpp"

namespace core = berth::core;

namespace {

struct Fixture {
  Fixture() {
    config.root = root.sub("root");
    config.runroot = root.sub("run");
  }
  berth::test::TempDir root{"berth-system-test"};
  core::Config config;
};

}  // namespace

TEST_CASE("SystemService reports this host's kernel, CPUs, memory and runc", "[system]") {
  Fixture fx;
  core::store::Store store(fx.config.root);
  core::SystemService service(fx.config, store);
  auto info = service.info();
  const core::HostFacts& f = *info.facts;

  utsname uts{};
  REQUIRE(::uname(&uts) == 0);
  CHECK(f.kernel == uts.release);
  CHECK(f.cpus == std::stoi(core::sys::run({"nproc"}).out));
  CHECK(f.mem_total > 0);
  CHECK(info.stats.mem_free > 0);
  CHECK(info.stats.mem_free <= f.mem_total);
  CHECK(info.stats.uptime_seconds > 0);
  CHECK(!f.hostname.empty());
  CHECK(f.distribution.id != "unknown");
  CHECK(f.engine_id.size() == 36);
  if (std::string(uts.machine) == "x86_64") CHECK(f.arch == "amd64");

  CHECK(f.runtime.path == fx.config.tools.runc);
  CHECK_THAT(f.runtime.version, Catch::StartsWith("runc version"));
  CHECK_THAT(f.conmon.version, Catch::StartsWith("conmon version"));
  CHECK(f.conmon.version.find('\n') == std::string::npos);  // joined with ", " as podman does
  if (::access("/usr/bin/dpkg-query", X_OK) == 0) {
    CHECK_THAT(f.runtime.package, Catch::StartsWith("runc_"));
    CHECK_THAT(f.conmon.package, Catch::StartsWith("conmon_"));
  }

  CHECK((f.cgroup_version == 1 || f.cgroup_version == 2));
  if (f.cgroup_version == 1 && ::access("/sys/fs/cgroup/memory", F_OK) == 0) {
    CHECK(std::find(f.cgroup_controllers.begin(), f.cgroup_controllers.end(), "memory") != f.cgroup_controllers.end());
    CHECK(f.features.memory_limit);
  }

  // Configuration-derived parts.
  CHECK(info.store.graph_root == fx.config.root);
  CHECK(info.store.graph_root_allocated > 0);
  CHECK(info.store.status.size() == 4);
  CHECK(info.runtimes.at("runc") == fx.config.tools.runc);
  CHECK(info.cgroup_manager == "cgroupfs");
  CHECK(!info.default_capabilities.empty());
  CHECK_THAT(info.default_capabilities.front(), Catch::StartsWith("CAP_"));
  CHECK(info.counts.containers == 0);
  CHECK(!info.remote_socket);
}

TEST_CASE("SystemService::version names berthd and the tools", "[system]") {
  Fixture fx;
  core::store::Store store(fx.config.root);
  core::SystemService service(fx.config, store);
  auto v = service.version();
  CHECK(v.berth_version == BERTH_VERSION);
  CHECK(v.runtime_name == "runc");
  CHECK(v.runtime.version == service.facts().runtime.version);
  CHECK(!v.kernel.empty());
  CHECK(v.os == "linux");
  CHECK(!v.compiler.empty());
}

TEST_CASE("info() reuses the facts gathered once at start", "[system]") {
  Fixture fx;
  core::store::Store store(fx.config.root);
  core::SystemService service(fx.config, store);
  const auto* facts = &service.facts();  // waits for the background gathering
  // Tool versions come from that one gathering, not from a run per call (its cost is in tests/bench/).
  for (int i = 0; i < 3; ++i) {
    auto info = service.info();
    CHECK(&service.facts() == facts);
    CHECK(info.facts.get() == facts);
  }
}

TEST_CASE("SystemService takes counts from the provider and the socket from service_uris", "[system]") {
  Fixture fx;
  std::string sock = fx.root.sub("api.sock");
  fx.config.service_uris = {"tcp://127.0.0.1:8080", "unix://" + sock, "unix:///second.sock"};
  core::store::Store store(fx.config.root);
  core::SystemService service(fx.config, store);
  service.set_counts_provider([] { return core::ObjectCounts{.containers = 4, .running = 2, .images = 7}; });
  auto info = service.info();
  CHECK(info.counts.containers == 4);
  CHECK(info.counts.running == 2);
  CHECK(info.counts.images == 7);
  REQUIRE(info.remote_socket);
  CHECK(info.remote_socket->path == "unix://" + sock);
  CHECK_FALSE(info.remote_socket->exists);

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  sock.copy(addr.sun_path, sizeof addr.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  CHECK(service.info().remote_socket->exists);
  ::close(fd);
}

TEST_CASE("host fact parsers", "[system]") {
  using namespace berth::core::system;
  auto d = parse_os_release(
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\n"
      "VERSION_CODENAME=bookworm\nID=debian\n");
  CHECK(d.id == "debian");
  CHECK(d.version == "12");
  CHECK(d.codename == "bookworm");
  CHECK(d.variant.empty());
  CHECK(parse_os_release("").id == "unknown");

  CHECK(go_arch("x86_64") == "amd64");
  CHECK(go_arch("aarch64") == "arm64");
  CHECK(go_arch("riscv64") == "riscv64");

  auto owners =
      parse_dpkg_search("runc: /usr/sbin/runc\ndiversion by foo from: /usr/bin/x\nlibc6:amd64, libc6-dev: /lib/x.so\n");
  CHECK(owners.size() == 2);
  CHECK(owners["/usr/sbin/runc"] == "runc");
  CHECK(owners["/lib/x.so"] == "libc6:amd64");

  CHECK(tool_version_text("conmon version 2.1.6\ncommit: unknown\n", true) == "conmon version 2.1.6, commit: unknown");
  CHECK(tool_version_text("runc version 1.1.5\ncommit: x\n", false) == "runc version 1.1.5\ncommit: x");

  CHECK(meminfo_bytes("MemTotal:       24684084 kB\nMemFree: 10 kB\nHugePages_Total: 3\n", "MemFree") == 10240);
  CHECK(meminfo_bytes("MemTotal:       24684084 kB\n", "MemTotal") == 24684084LL * 1024);
  CHECK(meminfo_bytes("HugePages_Total:       3\n", "HugePages_Total") == 3);
  CHECK(meminfo_bytes("MemTotal: 1 kB\n", "Mem") == -1);

  auto cpu = parse_cpu_line("cpu  700 10 300 9000 5 0 0 0 0 0\ncpu0 1 2 3 4\n");
  CHECK(cpu.user_percent == Approx(7.0));
  CHECK(cpu.system_percent == Approx(3.0));
  CHECK(cpu.idle_percent == Approx(90.0));
  CHECK(env_file_value("A='x y'\nB=2\n", "A") == "x y");

  auto stats = read_host_stats();
  CHECK(stats.threads >= 1);
  CHECK(stats.open_fds >= 3);
}

TEST_CASE("the engine ID is a random UUID kept per root across restarts", "[system]") {
  Fixture fx;
  std::string first;
  {
    core::store::Store store(fx.config.root);
    first = core::system::load_engine_id(store);
    CHECK(first.size() == 36);
    CHECK(first[14] == '4');  // version nibble
    CHECK(core::system::load_engine_id(store) == first);
  }
  core::store::Store reopened(fx.config.root);
  CHECK(core::system::load_engine_id(reopened) == first);
  core::SystemService service(fx.config, reopened);
  CHECK(service.facts().engine_id == first);

  Fixture other;
  core::store::Store elsewhere(other.config.root);
  CHECK(core::system::load_engine_id(elsewhere) != first);
}
