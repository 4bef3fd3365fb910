// The generated config.json really runs under bare runc: a busybox rootfs, a non-root user from its own passwd,
// the converted containers-common seccomp profile, and the exit code coming back.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/config/config.hpp"
#include "core/containers/oci_spec.hpp"
#include "core/sys/process.hpp"

namespace fs = std::filesystem;
using namespace berth::core;
using namespace berth::core::containers;

namespace {

constexpr const char* kCgroupParent = "berth-test-oci";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// runc removes the leaf cgroup on delete but never the parent, in every v1 controller and the unified tree.
void remove_cgroups(const std::string& id) {
  std::error_code ec;
  for (const auto& ctl : fs::directory_iterator("/sys/fs/cgroup", ec)) {
    fs::path parent = ctl.path() / kCgroupParent;
    ::rmdir((parent / id).c_str());
    ::rmdir(parent.c_str());
  }
}

struct Bundle {
  fs::path dir;
  std::string id = "berth-oci-test-" + std::to_string(::getpid());
  Bundle() {
    char tmpl[] = "/tmp/berth-oci-runc-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~Bundle() {
    sys::run({"runc", "--root", (dir / "runc").string(), "delete", "-f", id});
    remove_cgroups(id);
    fs::remove_all(dir);
  }
};

}  // namespace

TEST_CASE("a generated config.json runs a busybox rootfs under runc", "[oci]") {
  REQUIRE(fs::exists("/bin/busybox"));
  REQUIRE(fs::exists("/usr/sbin/runc"));
  Bundle b;
  fs::path rootfs = b.dir / "rootfs";
  fs::create_directories(rootfs / "bin");
  fs::create_directories(rootfs / "etc");
  fs::copy_file("/bin/busybox", rootfs / "bin/busybox");
  for (const char* tool : {"sh", "echo", "id", "cat", "true", "grep"})
    fs::create_symlink("busybox", rootfs / "bin" / tool);
  std::ofstream(rootfs / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\ntester:x:1234:2345:t:/home/t:/bin/sh\n";
  std::ofstream(rootfs / "etc/group") << "root:x:0:\ntgroup:x:2345:\nextra:x:3456:tester\n";

  ContainerSpec spec;
  spec.command = std::vector<std::string>{"sh", "-c", "id; cat /proc/self/status | grep CapEff; exit 7"};
  spec.user = "tester";
  spec.network_mode = "host";  // no netns setup needed: the test is about process, user and seccomp
  OciInputs in;
  in.id = b.id;
  in.rootfs = rootfs.string();
  in.cgroup_parent = std::string("/") + kCgroupParent;
  in.seccomp_json = slurp("/usr/share/containers/seccomp.json");
  REQUIRE(!in.seccomp_json.empty());
  in.user = resolve_user(in.rootfs, spec.user, spec.group_add);
  Config config;
  config.containers.env = {"PATH=/bin"};
  std::ofstream(b.dir / "config.json") << oci_config_json(spec, in, config);

  auto r = sys::run({"runc", "--root", (b.dir / "runc").string(), "run", "-b", b.dir.string(), b.id},
                    {.env = {}, .stdin_data = {}, .timeout = std::chrono::seconds(60)});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 7);
  CHECK(r.out.find("uid=1234(tester) gid=2345(tgroup)") != std::string::npos);
  CHECK(r.out.find("3456(extra)") != std::string::npos);
  // A non-root user keeps no effective capabilities, as under podman.
  CHECK(r.out.find("CapEff:\t0000000000000000") != std::string::npos);
}
