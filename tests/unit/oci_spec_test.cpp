// The OCI config generator: docker's entrypoint/cmd and env rules, user lookup confined to the rootfs, caps,
// rlimit clamping, resources, mounts, seccomp conversion and signal names.
#include "core/containers/oci_spec.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/containers/capabilities.hpp"
#include "core/containers/seccomp.hpp"
#include "core/error.hpp"

namespace fs = std::filesystem;
using namespace berth::core;
using namespace berth::core::containers;
using nlohmann::json;
using Args = std::vector<std::string>;

namespace {

// A temp dir removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/berth-oci-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel) << text;
  }
};

Errc code_of(const std::function<void()>& f, std::string* what = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (what) *what = e.what();
    return e.code();
  }
  FAIL("no error thrown");
  return Errc::internal;
}

struct Fixture {
  TempDir dir;
  ContainerSpec spec;
  OciInputs in;
  Config config;
  Fixture() {
    fs::create_directories(dir.path / "rootfs");
    spec.command = Args{"/bin/sh"};
    in.id = std::string(64, 'a');
    in.id.replace(0, 12, "0123456789ab");
    in.rootfs = (dir.path / "rootfs").string();
  }
  json gen() const { return json::parse(oci_config_json(spec, in, config)); }
};

bool has(const json& arr, const std::string& v) {
  for (const auto& e : arr)
    if (e == v) return true;
  return false;
}

const json* find_mount(const json& doc, const std::string& dest) {
  for (const auto& m : doc["mounts"])
    if (m["destination"] == dest) return &m;
  return nullptr;
}

}  // namespace

TEST_CASE("resolve_command follows docker's entrypoint/cmd table", "[oci]") {
  ImageRunConfig img;
  img.entrypoint = Args{"/ep", "a"};
  img.cmd = Args{"c1", "c2"};
  ContainerSpec s;

  auto full = [](const ProcessCommand& c) {
    Args all{c.path};
    all.insert(all.end(), c.args.begin(), c.args.end());
    return all;
  };
  // Neither given: image entrypoint + image cmd.
  CHECK(full(resolve_command(s, &img)) == Args{"/ep", "a", "c1", "c2"});
  // Command only: image entrypoint + spec command.
  s.command = Args{"x"};
  CHECK(full(resolve_command(s, &img)) == Args{"/ep", "a", "x"});
  // Entrypoint + command: both from the spec.
  s.entrypoint = Args{"/e2"};
  CHECK(full(resolve_command(s, &img)) == Args{"/e2", "x"});
  // Entrypoint only: the image's cmd is dropped.
  s.command.reset();
  CHECK(full(resolve_command(s, &img)) == Args{"/e2"});
  // [""] clears the entrypoint; with no command there is nothing to run.
  s.entrypoint = Args{""};
  CHECK(resolve_command(s, &img).path.empty());
  s.command = Args{"/bin/true", "-v"};
  CHECK(full(resolve_command(s, &img)) == Args{"/bin/true", "-v"});
  // No image at all.
  ContainerSpec bare;
  CHECK(resolve_command(bare, nullptr).path.empty());
  bare.command = Args{"ls"};
  CHECK(resolve_command(bare, nullptr).path == "ls");
  // An image without entrypoint: its cmd runs.
  ImageRunConfig only_cmd;
  only_cmd.cmd = Args{"sh"};
  CHECK(full(resolve_command(ContainerSpec{}, &only_cmd)) == Args{"sh"});
}

TEST_CASE("merge_env layers defaults, image and spec keeping first positions", "[oci]") {
  Config config;
  ImageRunConfig img;
  img.env = {"PATH=/img/bin", "A=1", "B=2"};
  ContainerSpec s;
  s.env = {"B=3", "C=4"};
  auto env = merge_env(s, &img, config, "host1");
  CHECK(env == Args{"PATH=/img/bin", "container=podman", "A=1", "B=3", "C=4", "HOSTNAME=host1"});

  s.tty = true;
  s.env = {"HOSTNAME=mine"};
  env = merge_env(s, nullptr, config, "host1");
  CHECK(env.front() == config.containers.env.front());
  CHECK(std::find(env.begin(), env.end(), "TERM=xterm") != env.end());
  CHECK(std::find(env.begin(), env.end(), "HOSTNAME=mine") != env.end());
  CHECK(std::find(env.begin(), env.end(), "HOSTNAME=host1") == env.end());
  s.env = {"TERM=vt100"};
  env = merge_env(s, nullptr, config, "h");
  CHECK(std::count_if(env.begin(), env.end(), [](auto& e) { return e.rfind("TERM=", 0) == 0; }) == 1);
}

TEST_CASE("resolve_user reads the rootfs's passwd and group", "[oci]") {
  TempDir d;
  d.write("etc/passwd",
          "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
          "app:x:1000:1000::/home/app:/bin/sh\n");
  d.write("etc/group", "root:x:0:\nwheel:x:10:root,app\napp:x:1000:\naudio:x:29:app\nnogroup:x:65534:\n");
  std::string root = d.path.string();

  auto u = resolve_user(root, "", {});
  CHECK(u.uid == 0);
  CHECK(u.gid == 0);
  CHECK(u.home == "/root");
  CHECK(u.additional_gids == std::vector<unsigned>{10});

  u = resolve_user(root, "app", {});
  CHECK(u.uid == 1000);
  CHECK(u.gid == 1000);
  CHECK(u.home == "/home/app");
  CHECK(u.additional_gids == std::vector<unsigned>{10, 29});

  u = resolve_user(root, "app:nogroup", {"audio", "4242"});
  CHECK(u.gid == 65534);
  CHECK(u.additional_gids == std::vector<unsigned>{29, 4242});

  // Numeric IDs need no entry.
  u = resolve_user(root, "4321:77", {});
  CHECK(u.uid == 4321);
  CHECK(u.gid == 77);
  CHECK(u.home == "/");
  u = resolve_user(root, "1000", {});
  CHECK(u.gid == 1000);  // an entry for the uid gives its group

  std::string what;
  CHECK(code_of([&] { resolve_user(root, "ghost", {}); }, &what) == Errc::invalid_argument);
  CHECK(what == "unable to find user ghost: no matching entries in passwd file");
  CHECK(code_of([&] { resolve_user(root, "app:ghosts", {}); }) == Errc::invalid_argument);
  CHECK(code_of([&] { resolve_user(root, "app", {"ghosts"}); }) == Errc::invalid_argument);
}

TEST_CASE("resolve_user never follows a symlinked passwd onto the host", "[oci]") {
  // Something only the host's passwd has: root always exists there.
  TempDir d;
  fs::create_directories(d.path / "etc");
  fs::create_symlink("/etc/passwd", d.path / "etc/passwd");
  // Inside the rootfs /etc/passwd → /etc/passwd is a loop: refuse rather than read the host's.
  CHECK_THROWS_AS(resolve_user(d.path.string(), "root", {}), Error);

  TempDir e;
  e.write("real/passwd", "inside:x:4242:4243::/in:/bin/sh\n");
  fs::create_directories(e.path / "etc");
  fs::create_symlink("/../../../real/passwd", e.path / "etc/passwd");
  auto u = resolve_user(e.path.string(), "inside", {});
  CHECK(u.uid == 4242);
  CHECK(u.gid == 4243);
  CHECK(code_of([&] { resolve_user(e.path.string(), "root", {}); }) == Errc::invalid_argument);

  // No passwd at all: numeric users still work, names fail.
  TempDir empty;
  CHECK(resolve_user(empty.path.string(), "12", {}).uid == 12);
  CHECK(code_of([&] { resolve_user(empty.path.string(), "daemon", {}); }) == Errc::invalid_argument);
}

TEST_CASE("parse_signal accepts names, numbers and RT offsets", "[oci]") {
  CHECK(parse_signal("SIGTERM") == 15);
  CHECK(parse_signal("TERM") == 15);
  CHECK(parse_signal("sigkill") == 9);
  CHECK(parse_signal("hup") == 1);
  CHECK(parse_signal("15") == 15);
  CHECK(parse_signal("64") == 64);
  CHECK(parse_signal("SIGRTMIN+3") == 37);
  CHECK(parse_signal("RTMAX-1") == 63);
  CHECK(parse_signal("SIGWINCH") == 28);
  std::string what;
  CHECK(code_of([&] { parse_signal("SIGFOO"); }, &what) == Errc::invalid_argument);
  CHECK(what == "invalid signal: SIGFOO");
  CHECK_THROWS_AS(parse_signal("0"), Error);
  CHECK_THROWS_AS(parse_signal("65"), Error);
  CHECK_THROWS_AS(parse_signal(""), Error);
  CHECK_THROWS_AS(parse_signal("RTMIN+31"), Error);
}

TEST_CASE("capabilities: defaults, add, drop, ALL and privileged", "[oci]") {
  Fixture f;
  auto caps = [&] { return f.gen()["process"]["capabilities"]; };
  json c = caps();
  CHECK(c["bounding"].size() == 11);
  CHECK(has(c["bounding"], "CAP_CHOWN"));
  CHECK(has(c["bounding"], "CAP_SYS_CHROOT"));
  CHECK(!has(c["bounding"], "CAP_NET_RAW"));
  CHECK(c["effective"] == c["bounding"]);
  CHECK(c["permitted"] == c["bounding"]);
  CHECK(c["inheritable"].empty());
  CHECK(c["ambient"].empty());

  f.spec.cap_add = {"net_admin", "CAP_SYS_PTRACE"};
  f.spec.cap_drop = {"chown", "CAP_KILL"};
  c = caps();
  CHECK(has(c["bounding"], "CAP_NET_ADMIN"));
  CHECK(has(c["bounding"], "CAP_SYS_PTRACE"));
  CHECK(!has(c["bounding"], "CAP_CHOWN"));
  CHECK(!has(c["bounding"], "CAP_KILL"));

  f.spec.cap_add = {"NET_RAW"};
  f.spec.cap_drop = {"all"};
  c = caps();
  CHECK(c["bounding"] == json::array({"CAP_NET_RAW"}));

  f.spec.cap_drop = {};
  f.spec.cap_add = {"ALL"};
  c = caps();
  CHECK(c["bounding"] == json(own_bounding_set()));

  f.spec.cap_add = {"CAP_BOGUS"};
  std::string what;
  CHECK(code_of([&] { f.gen(); }, &what) == Errc::invalid_argument);
  CHECK(what == "unknown capability \"CAP_BOGUS\"");

  f.spec.cap_add = {};
  f.spec.privileged = true;
  json doc = f.gen();
  CHECK(doc["process"]["capabilities"]["bounding"] == json(own_bounding_set()));
  CHECK(!doc["linux"].contains("maskedPaths"));
  CHECK(!doc["linux"].contains("seccomp"));
  CHECK(doc["linux"]["resources"]["devices"] == json::array({{{"allow", true}, {"access", "rwm"}}}));
  CHECK(has(find_mount(doc, "/sys")->at("options"), "rw"));

  // A non-root user keeps only what was added, like podman.
  f.spec.privileged = false;
  f.spec.cap_add = {"NET_RAW"};
  f.in.user = ProcessUser{1000, 1000, {}, "/home/u"};
  c = caps();
  CHECK(c["effective"] == json::array({"CAP_NET_RAW"}));
  CHECK(c["ambient"] == json::array({"CAP_NET_RAW"}));
  CHECK(c["bounding"].size() == 12);
}

TEST_CASE("rlimits are clamped to the daemon's own hard limits", "[oci]") {
  Fixture f;
  rlimit own{};
  ::getrlimit(RLIMIT_NOFILE, &own);
  json r = f.gen()["process"]["rlimits"];
  REQUIRE(r.size() == 2);
  CHECK(r[0]["type"] == "RLIMIT_NOFILE");
  CHECK(r[0]["hard"].get<std::uint64_t>() == std::min<std::uint64_t>(1048576, own.rlim_max));
  CHECK(r[0]["soft"].get<std::uint64_t>() <= r[0]["hard"].get<std::uint64_t>());
  CHECK(r[1]["type"] == "RLIMIT_NPROC");

  f.spec.ulimits = {{"nofile", 100, 200}, {"core", -1, -1}};
  f.config.containers.default_ulimits = {{"nofile", 5, 5}, {"nproc", 300, 400}};
  r = f.gen()["process"]["rlimits"];
  REQUIRE(r.size() == 3);
  CHECK(r[0] == json({{"type", "RLIMIT_NOFILE"}, {"hard", 200}, {"soft", 100}}));
  CHECK(r[1]["type"] == "RLIMIT_CORE");
  CHECK(r[2] == json({{"type", "RLIMIT_NPROC"}, {"hard", 400}, {"soft", 300}}));

  // Above the hard limit: clamped, and soft never exceeds hard.
  f.spec.ulimits = {{"nofile", 999999999, 999999999}};
  r = f.gen()["process"]["rlimits"];
  CHECK(r[0]["hard"].get<std::uint64_t>() == own.rlim_max);
  CHECK(r[0]["soft"].get<std::uint64_t>() == own.rlim_max);

  f.spec.ulimits = {{"bogus", 1, 1}};
  std::string what;
  CHECK(code_of([&] { f.gen(); }, &what) == Errc::invalid_argument);
  CHECK(what == "invalid ulimit type: bogus");
}

TEST_CASE("resources: NanoCpus, memory, pids, blkio and devices", "[oci]") {
  Fixture f;
  json res = f.gen()["linux"]["resources"];
  CHECK(res["pids"]["limit"] == 2048);  // containers.conf default
  CHECK(!res.contains("blockIO"));
  CHECK(!res.contains("cpu"));
  CHECK(res["devices"][0] == json({{"allow", false}, {"access", "rwm"}}));
  CHECK(res["devices"].size() == 12);

  f.spec.resources.nano_cpus = 1500000000;
  f.spec.resources.memory = 64 << 20;
  f.spec.resources.cpu_shares = 512;
  f.spec.resources.cpuset_cpus = "0";
  f.spec.resources.pids_limit = -1;
  f.spec.resources.blkio_weight = 300;
  res = f.gen()["linux"]["resources"];
  CHECK(res["cpu"]["period"] == 100000);
  CHECK(res["cpu"]["quota"] == 150000);
  CHECK(res["cpu"]["shares"] == 512);
  CHECK(res["cpu"]["cpus"] == "0");
  CHECK(res["memory"]["limit"] == 64 << 20);
  CHECK(res["memory"]["swap"] == 128 << 20);
  CHECK(!res.contains("pids"));
  CHECK(res["blockIO"]["weight"] == 300);

  f.spec.resources.pids_limit = 50;
  f.spec.devices = {{"/dev/null", "/dev/mynull", "rw"}};
  json doc = f.gen();
  CHECK(doc["linux"]["resources"]["pids"]["limit"] == 50);
  REQUIRE(doc["linux"]["devices"].size() == 1);
  CHECK(doc["linux"]["devices"][0]["path"] == "/dev/mynull");
  CHECK(doc["linux"]["devices"][0]["major"] == 1);
  CHECK(doc["linux"]["devices"][0]["minor"] == 3);
  CHECK(doc["linux"]["resources"]["devices"].back()["access"] == "rw");
  f.spec.devices = {{"/dev/does-not-exist", "", "rwm"}};
  CHECK(code_of([&] { f.gen(); }) == Errc::invalid_argument);
}

TEST_CASE("mounts: defaults, /etc files, spec mounts, overrides and errors", "[oci]") {
  Fixture f;
  f.dir.write("hosts", "127.0.0.1 localhost\n");
  f.dir.write("data/x", "");
  f.in.hosts_file = (f.dir.path / "hosts").string();
  json doc = f.gen();
  std::vector<std::string> dests;
  for (const auto& m : doc["mounts"]) dests.push_back(m["destination"]);
  CHECK(dests == Args{"/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/dev/shm", "/etc/hosts"});
  CHECK(has(find_mount(doc, "/dev/shm")->at("options"), "size=65536k"));
  CHECK(has(find_mount(doc, "/sys")->at("options"), "ro"));

  std::string data = (f.dir.path / "data").string();
  f.spec.shm_size = 1 << 20;
  f.spec.mounts = {{"bind", data, "/data/sub", true, "", {}},
                   {"bind", data, "/data", false, "rshared", {}},
                   {"tmpfs", "", "/dev/shm", false, "", {"size=1m"}},
                   {"tmpfs", "", "/scratch", false, "", {}},
                   {"bind", (f.dir.path / "hosts").string(), "/etc/hosts", true, "", {}}};
  doc = f.gen();
  dests.clear();
  for (const auto& m : doc["mounts"]) dests.push_back(m["destination"]);
  CHECK(dests == Args{"/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/dev/shm", "/etc/hosts",
                      "/data", "/scratch", "/data/sub"});
  CHECK(find_mount(doc, "/dev/shm")->at("options") == json::array({"size=1m"}));
  CHECK(find_mount(doc, "/etc/hosts")->at("options") == json::array({"rbind", "ro", "rprivate"}));
  CHECK(find_mount(doc, "/data")->at("options") == json::array({"rbind", "rw", "rshared"}));
  CHECK(find_mount(doc, "/data/sub")->at("options") == json::array({"rbind", "ro", "rprivate"}));
  CHECK(find_mount(doc, "/scratch")->at("options") == json::array({"rw", "nosuid", "nodev"}));

  std::string what;
  f.spec.mounts = {{"bind", data, "relative", false, "", {}}};
  CHECK(code_of([&] { f.gen(); }, &what) == Errc::invalid_argument);
  CHECK(what.find("must be absolute") != std::string::npos);
  f.spec.mounts = {{"bind", "/nonexistent/x", "/x", false, "", {}}};
  CHECK(code_of([&] { f.gen(); }, &what) == Errc::invalid_argument);
  CHECK(what == "invalid mount config for type \"bind\": bind source path does not exist: /nonexistent/x");
  f.spec.mounts = {{"bind", data, "/x", false, "", {}}, {"tmpfs", "", "/x/", false, "", {}}};
  CHECK(code_of([&] { f.gen(); }) == Errc::invalid_argument);

  // init: catatonit bound read-only and put in front of the command.
  f.spec.mounts.clear();
  f.spec.init = true;
  doc = f.gen();
  REQUIRE(find_mount(doc, "/run/podman-init"));
  CHECK(find_mount(doc, "/run/podman-init")->at("source") == f.config.tools.catatonit);
  CHECK(doc["process"]["args"] == json::array({"/run/podman-init", "--", "/bin/sh"}));
}

TEST_CASE("the document: process, namespaces, hostname, paths, annotations", "[oci]") {
  Fixture f;
  ImageRunConfig img;
  img.working_dir = "/srv";
  img.env = {"A=1"};
  img.stop_signal = "SIGQUIT";
  f.in.image = &img;
  f.in.user = ProcessUser{0, 0, {10}, "/root"};
  f.in.netns_path = "/run/netns/x";
  f.spec.sysctls = {{"net.ipv4.ip_forward", "1"}};
  f.spec.oom_score_adj = 100;
  f.spec.security_opt = {"no-new-privileges"};
  json doc = f.gen();
  CHECK(doc["ociVersion"] == "1.0.2-dev");
  CHECK(doc["hostname"] == "0123456789ab");
  CHECK(doc["root"] == json({{"path", f.in.rootfs}, {"readonly", false}}));
  CHECK(doc["process"]["cwd"] == "/srv");
  CHECK(doc["process"]["terminal"] == false);
  CHECK(doc["process"]["user"] == json({{"uid", 0}, {"gid", 0}, {"additionalGids", {10}}}));
  CHECK(doc["process"]["noNewPrivileges"] == true);
  CHECK(doc["process"]["oomScoreAdj"] == 100);
  CHECK(has(doc["process"]["env"], "HOME=/root"));
  CHECK(has(doc["process"]["env"], "HOSTNAME=0123456789ab"));
  CHECK(doc["linux"]["cgroupsPath"] == "/berth/" + f.in.id);
  CHECK(doc["linux"]["namespaces"].back() == json({{"type", "network"}, {"path", "/run/netns/x"}}));
  CHECK(doc["linux"]["sysctl"]["net.ipv4.ip_forward"] == "1");
  CHECK(has(doc["linux"]["maskedPaths"], "/proc/keys"));
  CHECK(has(doc["linux"]["readonlyPaths"], "/proc/sys"));
  CHECK(doc["annotations"]["org.opencontainers.image.stopSignal"] == "3");
  CHECK(!doc["linux"].contains("seccomp"));  // no profile given

  f.in.netns_path.clear();
  f.spec.network_mode = "host";
  f.spec.hostname = "box";
  doc = f.gen();
  CHECK(doc["hostname"] == "box");
  for (const auto& ns : doc["linux"]["namespaces"]) CHECK(ns["type"] != "network");
  f.spec.network_mode = "none";
  doc = f.gen();
  CHECK(doc["linux"]["namespaces"].back() == json({{"type", "network"}}));

  f.spec.stop_signal = "SIGNOPE";
  CHECK(code_of([&] { f.gen(); }) == Errc::invalid_argument);
  f.spec.stop_signal.clear();
  f.spec.command.reset();
  CHECK(code_of([&] { f.gen(); }) == Errc::invalid_argument);
}

TEST_CASE("seccomp: containers-common's profile converted to OCI form", "[oci]") {
  std::string profile = R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {}, "excludes": {}},
      {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
      {"names": ["breakpoint"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm"]}},
      {"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_CHROOT"]}},
      {"names": ["chroot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_SYS_CHROOT"]}},
      {"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["future"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.0"}},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}
    ]})";
  json oci = seccomp_to_oci(profile, {"CAP_SYS_CHROOT"}, "6.1.0-13-amd64");
  CHECK(oci["defaultAction"] == "SCMP_ACT_ERRNO");
  CHECK(oci["defaultErrnoRet"] == 38);
  CHECK(oci["architectures"] == json::array({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  CHECK(!oci.contains("archMap"));
  std::vector<std::string> kept;
  for (const auto& r : oci["syscalls"]) {
    kept.push_back(r["names"][0].get<std::string>() + ":" + r["action"].get<std::string>());
    CHECK(!r.contains("includes"));
    CHECK(!r.contains("excludes"));
  }
  CHECK(kept == Args{"read:SCMP_ACT_ALLOW", "arch_prctl:SCMP_ACT_ALLOW", "chroot:SCMP_ACT_ALLOW", "bpf:SCMP_ACT_ERRNO",
                     "personality:SCMP_ACT_ALLOW"});
  CHECK(oci["syscalls"].back()["args"][0] == json({{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_EQ"}}));
  CHECK(oci["syscalls"][3]["errnoRet"] == 1);

  // With CAP_SYS_ADMIN granted the allow rule replaces the errno one; a new enough kernel keeps "future".
  oci = seccomp_to_oci(profile, {"CAP_SYS_ADMIN"}, "99.1");
  kept.clear();
  for (const auto& r : oci["syscalls"])
    kept.push_back(r["names"][0].get<std::string>() + ":" + r["action"].get<std::string>());
  CHECK(kept == Args{"read:SCMP_ACT_ALLOW", "arch_prctl:SCMP_ACT_ALLOW", "chroot:SCMP_ACT_ERRNO", "bpf:SCMP_ACT_ALLOW",
                     "future:SCMP_ACT_ALLOW", "personality:SCMP_ACT_ALLOW"});

  CHECK_THROWS_AS(seccomp_to_oci("{not json", {}, "6.1"), Error);
}

TEST_CASE("seccomp in the document: default profile, unconfined, a profile file", "[oci]") {
  Fixture f;
  f.in.seccomp_json = R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
      {"names":["ptrace"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_PTRACE"]}}]})";
  json doc = f.gen();
  REQUIRE(doc["linux"].contains("seccomp"));
  CHECK(doc["linux"]["seccomp"]["syscalls"].empty());
  f.spec.cap_add = {"SYS_PTRACE"};
  CHECK(f.gen()["linux"]["seccomp"]["syscalls"].size() == 1);

  f.spec.security_opt = {"seccomp=unconfined"};
  CHECK(!f.gen()["linux"].contains("seccomp"));
  f.dir.write("profile.json", R"({"defaultAction":"SCMP_ACT_LOG","syscalls":[]})");
  f.spec.security_opt = {"seccomp=" + (f.dir.path / "profile.json").string()};
  CHECK(f.gen()["linux"]["seccomp"]["defaultAction"] == "SCMP_ACT_LOG");
  f.spec.security_opt = {"seccomp=/nonexistent.json"};
  CHECK(code_of([&] { f.gen(); }) == Errc::invalid_argument);
  f.spec.security_opt = {"bogus=1"};
  CHECK(code_of([&] { f.gen(); }) == Errc::invalid_argument);

  // The machine's real profile converts and keeps a sane number of rules.
  std::ifstream real("/usr/share/containers/seccomp.json");
  if (real) {
    std::stringstream s;
    s << real.rdbuf();
    json oci = seccomp_to_oci(s.str(), own_bounding_set(), kernel_release());
    CHECK(oci["syscalls"].size() > 5);
    CHECK(oci["defaultErrnoRet"] == 38);
  }
}
