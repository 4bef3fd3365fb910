// User namespaces on real runc, conmon and overlayfs: a container with --uidmap runs as the mapped root on a
// chowned copy of its image (the image's own layers untouched), copies are shared and dropped with their last
// user, --userns=auto takes ranges from a subuid file, and podman --remote run --uidmap works end to end.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "core/containers/idmapped_layers.hpp"
#include "core/error.hpp"
#include "tests/integration/container_fixtures.hpp"
#include "tests/integration/registry_clients.hpp"
#include "tests/support/berthd.hpp"
#include "tests/support/error_of.hpp"

using berth::core::ContainerSpec;
using berth::core::Errc;
using berth::core::IdMap;
using berth::test::ContainerFixture;
using berth::test::error_of;

namespace {

ContainerSpec mapped(std::uint32_t host = 100000, std::uint32_t size = 65536) {
  ContainerSpec s;
  s.uid_map = {IdMap{.container_id = 0, .host_id = host, .size = size}};
  s.gid_map = s.uid_map;
  return s;
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

// The "Uid:" line of /proc/PID/status: real, effective, saved, fs.
std::string uid_line(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Uid:", 0) == 0) return line;
  return "";
}

// Waits until the container's log holds `marker`.
std::string logs_until(ContainerFixture& fx, const std::string& id, const std::string& marker) {
  std::string out;
  for (int i = 0; i < 100; ++i) {
    out = fx.logs(id);
    if (out.find(marker) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return out;
}

// The layer copies of a mapping dir (everything but its users/ registry).
std::vector<std::string> copies_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().filename() != "users") out.push_back(e.path().filename().string());
  return out;
}

// The temp dir holding a test's storage root is mkdtemp's 0700; a user namespace needs it searchable (see
// make_reachable in idmapped_layers.cpp), as /var/lib is.
void searchable(const std::string& dir) { REQUIRE(::chmod(dir.c_str(), 0711) == 0); }

}  // namespace

TEST_CASE("a container with --uidmap runs as the mapped root on a chowned copy of its image", "[integration][userns]") {
  ContainerFixture fx;
  searchable(fx.dir.path());
  auto image = fx.images->inspect(fx.image_id, berth::core::images::ShortNamePolicy::podman);
  std::string layer_passwd = fx.images->layer_dirs(*image).front() + "/etc/passwd";
  REQUIRE(stat_of(layer_passwd).st_uid == 0);

  auto id = fx.create({"sh", "-c",
                       "cat /proc/self/uid_map; echo uid=$(id -u); busybox stat -c owner=%u:%g /etc/passwd; "
                       "touch /created && echo touched; sleep 100"},
                      mapped());
  fx.svc().start(id);
  std::string out = logs_until(fx, id, "touched");
  INFO(out);
  CHECK(std::regex_search(out, std::regex(R"(^\s*0\s+100000\s+65536\n)")));
  CHECK_THAT(out, Catch::Contains("uid=0\n"));
  CHECK_THAT(out, Catch::Contains("owner=0:0\n"));  // the image's files belong to root inside
  CHECK_THAT(out, Catch::Contains("touched\n"));

  auto d = fx.svc().inspect(id);
  REQUIRE(d.container->state.pid > 0);
  CHECK(
      std::regex_search(uid_line(d.container->state.pid), std::regex(R"(^Uid:\s+100000\s+100000\s+100000\s+100000$)")));
  auto created = stat_of(d.paths.upper + "/created");
  CHECK(created.st_uid == 100000);
  CHECK(created.st_gid == 100000);
  // The image's own layer is not shifted: other containers still see it as root's.
  CHECK(stat_of(layer_passwd).st_uid == 0);
  std::string dir = berth::core::containers::idmapped_dir(fx.config.root, d.container->spec);
  auto copies = copies_in(dir);
  REQUIRE(copies.size() == 1);
  CHECK(stat_of(dir + "/" + copies[0] + "/etc/passwd").st_uid == 100000);
  CHECK(stat_of(dir + "/" + copies[0] + "/bin/sh").st_uid == 100000);  // symlinks too
  CHECK(S_ISLNK(stat_of(dir + "/" + copies[0] + "/bin/sh").st_mode));
  CHECK((stat_of(dir + "/" + copies[0] + "/tmp").st_mode & 07777) == 01777);

  fx.svc().remove(id, {.force = true});
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("containers with the same mapping share one copy, the last removal drops it", "[integration][userns]") {
  ContainerFixture fx;
  searchable(fx.dir.path());
  auto a = fx.create({"sh", "-c", "id -u"}, mapped());
  auto b = fx.create({"sh", "-c", "id -u"}, mapped());
  auto other = fx.create({"sh", "-c", "id -u"}, mapped(300000, 65536));
  for (const auto& id : {a, b, other}) {
    fx.svc().start(id);
    REQUIRE(fx.wait(id) == 0);
    CHECK(fx.logs(id) == "0\n");
  }
  std::string dir = berth::core::containers::idmapped_dir(fx.config.root, fx.svc().inspect(a).container->spec);
  std::string other_dir =
      berth::core::containers::idmapped_dir(fx.config.root, fx.svc().inspect(other).container->spec);
  CHECK(dir != other_dir);
  CHECK(copies_in(dir).size() == 1);
  CHECK(copies_in(other_dir).size() == 1);
  auto copy = dir + "/" + copies_in(dir)[0];
  auto inode = stat_of(copy).st_ino;
  CHECK(stat_of(other_dir + "/" + copies_in(other_dir)[0] + "/etc/passwd").st_uid == 300000);

  fx.svc().remove(a, {});
  REQUIRE(std::filesystem::exists(copy));
  CHECK(stat_of(copy).st_ino == inode);  // b still uses the very same copy
  fx.svc().start(b);                     // and runs on it again
  REQUIRE(fx.wait(b, "next-exit") == 0);
  fx.svc().remove(b, {});
  CHECK_FALSE(std::filesystem::exists(dir));
  CHECK(std::filesystem::exists(other_dir));
  fx.svc().remove(other, {});
  CHECK_FALSE(std::filesystem::exists(other_dir));
}

TEST_CASE("bad mappings are refused at create with invalid_argument", "[integration][userns]") {
  ContainerFixture fx;
  searchable(fx.dir.path());
  auto refused = [&](ContainerSpec s) {
    auto e = error_of([&] { fx.create({"true"}, s); });
    CHECK(e.code() == Errc::invalid_argument);
    return e.message();
  };
  ContainerSpec priv;
  priv.userns = "private";
  CHECK_THAT(refused(priv), Catch::Contains("--uidmap"));
  CHECK_THAT(refused(mapped(100000, 0)), Catch::Contains("size"));
  auto no_root = mapped();
  no_root.uid_map[0].container_id = 1;
  CHECK_THAT(refused(no_root), Catch::Contains("container ID 0"));
  auto overlap = mapped(100000, 100);
  overlap.uid_map.push_back({.container_id = 50, .host_id = 500000, .size = 10});
  CHECK_THAT(refused(overlap), Catch::Contains("overlap"));
  CHECK(fx.svc().list({.all = true}).empty());
}

TEST_CASE("userns=auto takes free ranges from the subuid file, and says when it has none", "[integration][userns]") {
  ContainerFixture fx;
  searchable(fx.dir.path());
  berth::test::TempDir ids;
  fx.config.subuid_file = ids.write("subuid", "containers:400000:131072\n");
  fx.config.subgid_file = ids.write("subgid", "containers:600000:131072\n");
  ContainerSpec s;
  s.userns = "auto";
  auto a = fx.create({"cat", "/proc/self/uid_map", "/proc/self/gid_map"}, s);
  auto b = fx.create({"cat", "/proc/self/uid_map"}, s);
  auto ma = fx.svc().inspect(a).container->spec;
  auto mb = fx.svc().inspect(b).container->spec;
  REQUIRE(ma.uid_map.size() == 1);
  CHECK(ma.uid_map[0].host_id == 400000);
  CHECK(ma.gid_map[0].host_id == 600000);
  CHECK(mb.uid_map[0].host_id == 465536);  // not overlapping a's
  fx.svc().start(a);
  REQUIRE(fx.wait(a) == 0);
  CHECK(std::regex_search(fx.logs(a), std::regex(R"(^\s*0\s+400000\s+65536\n\s*0\s+600000\s+65536\n$)")));

  fx.config.subuid_file = ids.write("empty", "");
  auto e = error_of([&] { fx.create({"true"}, s); });
  CHECK(e.code() == Errc::invalid_argument);
  CHECK_THAT(e.message(), Catch::Contains("\"containers\""));
}

TEST_CASE("podman --remote run --uidmap/--gidmap", "[integration][userns]") {
  using namespace berth::test;
  Berthd d;
  searchable(std::filesystem::path(d.root()).parent_path());
  TempDir tmp;
  auto file = tmp.sub("busybox.tar");
  { std::ofstream(file, std::ios::binary) << busybox_image_tar(); }
  regcli::docker_ok(d, {"import", "--change", "CMD [\"sh\"]", file, "busybox:latest"});
  write_empty_docker_config(d);
  auto podman = [&](const std::vector<std::string>& args) {
    auto r = d.podman(args);
    INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
    REQUIRE(r.exit_code == 0);
    return regcli::trim(r.out);
  };
  podman({"run", "-d", "--name", "mapped", "--uidmap", "0:100000:65536", "--gidmap", "0:200000:65536",
          "docker.io/library/busybox", "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; exit 7"});
  CHECK(podman({"wait", "mapped"}) == "7");
  auto logs = podman({"logs", "mapped"});
  CHECK(std::regex_search(logs, std::regex(R"(^\s*0\s+100000\s+65536\n\s*0\s+200000\s+65536\n0$)")));
  CHECK(podman({"inspect", "--format", "{{.HostConfig.UsernsMode}} {{.HostConfig.IDMappings.UIDMap}}", "mapped"}) ==
        "private [0:100000:65536]");
  podman({"rm", "mapped"});
  std::error_code ec;
  CHECK(std::filesystem::is_empty(d.root() + "/idmapped", ec));  // the copy went with its last container

  // docker has no per-container mappings (its CLI refuses `--userns private` itself): a raw request gets a 400.
  t(d.api(), "POST", "/containers/create",
    R"({"Image":"busybox","Cmd":["true"],"HostConfig":{"UsernsMode":"private"}})", 400, {{".message", "~UsernsMode"}});
  CHECK(d.docker({"ps", "-aq"}).out.empty());
}
