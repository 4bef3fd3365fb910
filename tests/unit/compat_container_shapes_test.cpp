// Docker-tree container shapes: the create body as the docker CLI and docker-py send it (tests/golden/docker),
// wrong types naming the field, inspect and list against docker 24's keys and types, docker's status texts.
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "compat/shapes/container_create.hpp"
#include "compat/shapes/container_mounts.hpp"
#include "compat/shapes/containers.hpp"
#include "core/error.hpp"
#include "tests/unit/golden_shape.hpp"

using nlohmann::json;
namespace core = berth::core;
namespace shapes = berth::compat::shapes;
using core::ContainerStatus;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;

std::string docker_golden(const std::string& name) {
  std::ifstream in(std::string(BERTH_GOLDEN_DIR) + "/docker/" + name);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

core::ContainerSpec parse(const std::string& body, const std::string& name = "") {
  return shapes::container_spec_from_json(body, name);
}

// The error a body gets: its kind and message.
std::pair<core::Errc, std::string> parse_error(const std::string& body) {
  try {
    parse(body);
  } catch (const core::Error& e) {
    return {e.code(), e.message()};
  }
  FAIL("no error for " << body);
  return {};
}

const core::MountSpec* mount_at(const core::ContainerSpec& spec, const std::string& dest) {
  for (const auto& m : spec.mounts)
    if (m.destination == dest) return &m;
  return nullptr;
}

const std::set<std::string> kMaps = {"/HostConfig/LogConfig/Config",
                                     "/HostConfig/PortBindings",
                                     "/HostConfig/Tmpfs",
                                     "/HostConfig/Sysctls",
                                     "/Config/Labels",
                                     "/Config/Volumes",
                                     "/Config/ExposedPorts",
                                     "/NetworkSettings/Networks",
                                     "/NetworkSettings/Ports",
                                     "/*/Labels",
                                     "/*/NetworkSettings/Networks"};
bool is_map(const std::string& path) { return kMaps.count(path) > 0; }

// The container of the recorded `docker run` after it exited.
core::containers::ContainerDetails exited_details() {
  auto ctr = std::make_shared<core::Container>();
  ctr->id = std::string(64, 'a');
  ctr->name = "x";
  ctr->created_ns = 1694686893 * kSec + 512345678;
  ctr->spec = parse(docker_golden("create_body_cli.json"), "x");
  ctr->spec.image_id = std::string(64, 'b');
  ctr->state.status = ContainerStatus::exited;
  ctr->state.exit_code = 0;
  ctr->state.started_ns = 1694686894 * kSec;
  ctr->state.finished_ns = 1694686894 * kSec + 54321010;
  core::containers::ContainerDetails d{.container = ctr};
  d.paths = {.dir = "/r/containers/a",
             .upper = "/r/containers/a/upper",
             .work = "/r/containers/a/work",
             .merged = "/r/containers/a/merged",
             .log = "/r/containers/a/ctr.log",
             .hosts = "/r/containers/a/hosts",
             .hostname = "/r/containers/a/hostname",
             .resolv = "/r/containers/a/resolv.conf"};
  d.path = "sh";
  d.args = {"-c", "echo hi"};
  d.env = {"A=1", "PATH=/bin"};
  d.hostname = "aaaaaaaaaaaa";
  d.lower_dirs = {"/r/layers/2/diff", "/r/layers/1/diff"};
  return d;
}

}  // namespace

TEST_CASE("the docker CLI's create body becomes the spec it asks for", "[compat-containers]") {
  auto spec = parse(docker_golden("create_body_cli.json"), "x");
  CHECK(spec.name == "x");
  CHECK(spec.image == "busybox");
  CHECK(spec.command == std::vector<std::string>{"sh", "-c", "echo hi"});
  CHECK_FALSE(spec.entrypoint.has_value());  // "Entrypoint": null → the image's
  CHECK(spec.env == std::vector<std::string>{"A=1"});
  REQUIRE(spec.mounts.size() == 2);
  auto* data = mount_at(spec, "/data");
  REQUIRE(data);
  CHECK(data->type == "bind");
  CHECK(data->source == "/tmp");
  CHECK(data->read_only);
  auto* run = mount_at(spec, "/run");
  REQUIRE(run);
  CHECK(run->type == "tmpfs");
  CHECK(run->options == std::vector<std::string>{"size=1m"});
  CHECK(spec.resources.memory == 64 * 1024 * 1024);
  CHECK(spec.resources.nano_cpus == 1'500'000'000);
  CHECK(spec.resources.pids_limit == 0);
  CHECK(spec.restart.name == "on-failure");
  CHECK(spec.restart.max_retries == 2);
  CHECK(spec.cap_add == std::vector<std::string>{"CAP_NET_ADMIN"});
  CHECK(spec.cap_drop.empty());
  CHECK(spec.network_mode.empty());  // "default"
  CHECK(spec.log_driver.empty());
  CHECK_FALSE(spec.oom_score_adj.has_value());
  CHECK_FALSE(spec.tty);
  CHECK_FALSE(spec.auto_remove);
  CHECK(spec.shm_size == 0);
}

TEST_CASE("docker-py's containers.run body becomes the spec it asks for", "[compat-containers]") {
  auto spec = parse(docker_golden("create_body_dockerpy.json"), "py");
  CHECK(spec.name == "py");
  CHECK(spec.user == "1000:1000");
  CHECK(spec.tty);
  CHECK(spec.open_stdin);
  CHECK(spec.entrypoint == std::vector<std::string>{""});  // entrypoint=[''] resets the image's
  CHECK(spec.working_dir == "/w");
  CHECK(spec.labels == std::map<std::string, std::string>{{"k", "v"}});
  CHECK(spec.stop_signal == "SIGINT");
  CHECK(spec.exposed_ports == std::vector<std::string>{"80/tcp"});
  REQUIRE(spec.port_bindings.count("80/tcp"));
  CHECK(spec.port_bindings["80/tcp"].size() == 1);
  CHECK(spec.port_bindings["80/tcp"][0].host_port == "8080");
  CHECK(spec.mounts.size() == 4);  // Config.Volumes repeats the /data bind: no extra volume
  auto* m = mount_at(spec, "/m");
  REQUIRE(m);
  CHECK(m->type == "volume");
  CHECK(m->source == "vol1");
  auto* t = mount_at(spec, "/t");
  REQUIRE(t);
  CHECK(t->type == "tmpfs");
  CHECK(t->source.empty());  // "Source": null
  CHECK(t->options == std::vector<std::string>{"size=1048576"});
  REQUIRE(spec.devices.size() == 1);
  CHECK(spec.devices[0].path_in_container == "/dev/xnull");
  CHECK(spec.devices[0].permissions == "rw");
  CHECK(spec.sysctls.at("net.ipv4.ip_forward") == "1");
  REQUIRE(spec.ulimits.size() == 1);
  CHECK((spec.ulimits[0].name == "nofile" && spec.ulimits[0].soft == 1024 && spec.ulimits[0].hard == 2048));
  CHECK(spec.init);
  CHECK(spec.shm_size == 128 * 1024 * 1024);
  CHECK(spec.resources.pids_limit == 100);
  CHECK(spec.dns_servers == std::vector<std::string>{"8.8.8.8"});
  CHECK(spec.extra_hosts == std::vector<std::string>{"h:1.2.3.4"});
  CHECK(spec.cap_add == std::vector<std::string>{"NET_ADMIN"});
}

TEST_CASE("Cmd and Entrypoint: absent or null keep the image's, [] and [\"\"] are kept", "[compat-containers]") {
  CHECK_FALSE(parse(R"({"Image":"b"})").entrypoint.has_value());
  CHECK_FALSE(parse(R"({"Image":"b","Entrypoint":null,"Cmd":null})").command.has_value());
  CHECK(parse(R"({"Image":"b","Entrypoint":[]})").entrypoint == std::vector<std::string>{});
  CHECK(parse(R"({"Image":"b","Entrypoint":[""]})").entrypoint == std::vector<std::string>{""});
  CHECK(parse(R"({"Image":"b","Cmd":"echo hi"})").command == std::vector<std::string>{"echo hi"});  // StrSlice
}

TEST_CASE("wrong JSON types are 400s naming the field by its JSON pointer", "[compat-containers]") {
  auto check = [](const std::string& body, const std::string& field) {
    auto [code, message] = parse_error(body);
    INFO(body << " → " << message);
    CHECK(code == core::Errc::invalid_argument);
    CHECK(message.find(field) != std::string::npos);
  };
  check(R"({"Image":"b","HostConfig":{"Memory":"64m"}})", "/HostConfig/Memory");
  check(R"({"Image":"b","HostConfig":{"NanoCpus":1.5}})", "/HostConfig/NanoCpus");
  check(R"({"Image":"b","Env":["A=1",2]})", "/Env/1");
  check(R"({"Image":"b","Tty":"yes"})", "/Tty");
  check(R"({"Image":"b","Labels":{"a":1}})", "/Labels/a");
  check(R"({"Image":"b","HostConfig":[]})", "/HostConfig");
  check(R"({"Image":"b","HostConfig":{"Mounts":[{"Target":"/x","ReadOnly":"1"}]}})", "/HostConfig/Mounts/0/ReadOnly");
  check(R"({"Image":"b","HostConfig":{"RestartPolicy":{"MaximumRetryCount":"2"}}})",
        "/HostConfig/RestartPolicy/MaximumRetryCount");
  check(R"({"Image":5})", "/Image");
  check(R"([1])", "/");
  check("{not json", "malformed");
}

TEST_CASE("create bodies: case-insensitive keys, nulls, unknown keys", "[compat-containers]") {
  auto spec = parse(R"({"image":"b","hostconfig":{"memory":5,"Bogus":1},"Hostname":null,"Whatever":{"x":[]}})");
  CHECK(spec.image == "b");
  CHECK(spec.resources.memory == 5);
  CHECK(spec.hostname.empty());
  CHECK(parse(R"({"Image":"b","HostConfig":{"Memory":6.7108864e7}})").resources.memory == 67108864);
}

TEST_CASE("create bodies: NetworkMode, restart policies and refused settings", "[compat-containers]") {
  for (auto mode : {"default", "bridge", ""})
    CHECK(parse(std::string(R"({"Image":"b","HostConfig":{"NetworkMode":")") + mode + "\"}}").network_mode.empty());
  CHECK(parse(R"({"Image":"b","HostConfig":{"NetworkMode":"none"}})").network_mode == "none");
  CHECK(parse(R"({"Image":"b","HostConfig":{"NetworkMode":"host"}})").network_mode == "host");
  CHECK(parse_error(R"({"Image":"b","HostConfig":{"NetworkMode":"container:x"}})").first ==
        core::Errc::invalid_argument);
  CHECK(parse_error(R"({"Image":"b","HostConfig":{"NetworkMode":"proj_default"}})").first == core::Errc::not_found);
  CHECK(parse(R"({"Image":"b","HostConfig":{"RestartPolicy":{"Name":""}}})").restart.name == "no");
  CHECK(parse_error(R"({"Image":"b","HostConfig":{"RestartPolicy":{"Name":"sometimes"}}})").first ==
        core::Errc::invalid_argument);
  CHECK(parse_error(R"({"Image":"b","HostConfig":{"RestartPolicy":{"Name":"always","MaximumRetryCount":3}}})").first ==
        core::Errc::invalid_argument);
  CHECK(parse_error(R"({"Image":"b","HostConfig":{"Links":["a:b"]}})").first == core::Errc::invalid_argument);
  CHECK(parse_error(R"({"Image":""})").first == core::Errc::invalid_argument);
  auto spec = parse(R"({"Image":"b","HostConfig":{"SecurityOpt":["no-new-privileges"],"OomScoreAdj":-500,
      "LogConfig":{"Type":"json-file","Config":{"max-size":"1m"}},"GroupAdd":["audio"],"UsernsMode":"host",
      "CpusetCpus":"0-1","CpuShares":512,"MemorySwap":-1,"BlkioWeight":300,"AutoRemove":true,"Privileged":true}})");
  CHECK(spec.no_new_privileges);
  CHECK(spec.oom_score_adj == -500);
  CHECK(spec.log_driver == "json-file");
  CHECK(spec.log_options.at("max-size") == "1m");
  CHECK(spec.group_add == std::vector<std::string>{"audio"});
  CHECK(spec.userns == "host");
  CHECK(spec.resources.cpuset_cpus == "0-1");
  CHECK(spec.resources.cpu_shares == 512);
  CHECK(spec.resources.memory_swap == -1);
  CHECK(spec.resources.blkio_weight == 300);
  CHECK(spec.auto_remove);
  CHECK(spec.privileged);
}

TEST_CASE("Binds and Mounts: modes, propagation, volumes, tmpfs options", "[compat-containers]") {
  auto bind = shapes::parse_bind("/a:/b:rw,Z,rshared");
  CHECK((bind.type == "bind" && bind.source == "/a" && bind.destination == "/b"));
  CHECK_FALSE(bind.read_only);
  CHECK(bind.propagation == "rshared");
  CHECK(bind.options == std::vector<std::string>{"Z"});
  auto vol = shapes::parse_bind("data:/d:ro");
  CHECK((vol.type == "volume" && vol.source == "data" && vol.read_only));
  CHECK_THROWS_AS(shapes::parse_bind("/a"), core::Error);
  CHECK_THROWS_AS(shapes::parse_bind("/a:/b:bogus"), core::Error);
  CHECK_THROWS_AS(shapes::parse_bind("/a:rel"), core::Error);
  auto spec = parse(R"({"Image":"b","Volumes":{"/anon":{}},"HostConfig":{"Mounts":[
      {"Type":"bind","Source":"/s","Target":"/t","ReadOnly":true,"BindOptions":{"Propagation":"slave"}},
      {"Type":"tmpfs","Target":"/tm","TmpfsOptions":{"SizeBytes":65536,"Mode":1023}}],
      "Tmpfs":{"/r":"rw,noexec,size=64k"}}})");
  auto* t = mount_at(spec, "/t");
  REQUIRE(t);
  CHECK((t->read_only && t->propagation == "slave"));
  auto* tm = mount_at(spec, "/tm");
  REQUIRE(tm);
  CHECK(tm->options == std::vector<std::string>{"size=65536", "mode=1777"});
  auto* r = mount_at(spec, "/r");
  REQUIRE(r);
  CHECK(r->options == std::vector<std::string>{"rw", "noexec", "size=64k"});
  auto* anon = mount_at(spec, "/anon");
  REQUIRE(anon);
  CHECK((anon->type == "volume" && anon->source.empty()));
  CHECK(parse_error(R"({"Image":"b","HostConfig":{"Mounts":[{"Type":"npipe","Target":"/x"}]}})")
            .second.find("/HostConfig/Mounts/0/Type") != std::string::npos);
}

TEST_CASE("the create reply is {Id, Warnings: []}", "[compat-containers]") {
  CHECK(shapes::create_reply_json("abc", {}) == json::parse(R"({"Id":"abc","Warnings":[]})"));
  CHECK(shapes::create_reply_json("abc", {"w"})["Warnings"] == json::array({"w"}));
}

TEST_CASE("inspect has docker 24's keys and types", "[compat-containers]") {
  auto d = exited_details();
  auto got = shapes::container_inspect_json(d, false);
  auto problems = berth::test::shape_problems(json::parse(docker_golden("container_inspect.json")), got, is_map);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  INFO(all);
  CHECK(problems.empty());
  CHECK(got["Name"] == "/x");
  CHECK(got["Image"] == "sha256:" + std::string(64, 'b'));
  CHECK(got["Config"]["Image"] == "busybox");
  CHECK(got["Config"]["Cmd"] == json::array({"sh", "-c", "echo hi"}));
  CHECK(got["Config"]["Entrypoint"].is_null());
  CHECK(got["State"]["Status"] == "exited");
  CHECK(got["State"]["StartedAt"] == "2023-09-14T10:21:34Z");
  // podman's completed options (its compat inspect), not the docker CLI's text
  CHECK(got["HostConfig"]["Binds"] == json::array({"/tmp:/data:ro,rprivate,rbind"}));
  CHECK(got["HostConfig"]["Tmpfs"] == json::parse(R"({"/run":"size=1m,rw,rprivate,nosuid,nodev,tmpcopyup"})"));
  CHECK(got["ResolvConfPath"] == "/r/containers/a/resolv.conf");  // kept after the exit
  CHECK(got["NetworkSettings"]["SandboxKey"] == "");
  CHECK(got["HostConfig"]["RestartPolicy"] == json::parse(R"({"Name":"on-failure","MaximumRetryCount":2})"));
  CHECK(got["HostConfig"]["ShmSize"] == 67108864);
  CHECK(got["GraphDriver"]["Data"]["LowerDir"] == "/r/layers/2/diff:/r/layers/1/diff");
  CHECK_FALSE(got.contains("SizeRw"));
  CHECK(shapes::container_inspect_json(d, true)["SizeRootFs"].is_number_integer());
}

TEST_CASE("inspect before init and while running, as podman's compat inspect", "[compat-containers]") {
  auto d = exited_details();
  auto ctr = std::make_shared<core::Container>(*d.container);
  d.container = ctr;
  d.paths.netns = "/run/netns/a";
  ctr->state = {.status = ContainerStatus::created};
  auto got = shapes::container_inspect_json(d, false);
  CHECK(got["ResolvConfPath"] == "");  // init has not made the /etc files yet
  CHECK(got["HostnamePath"] == "");
  CHECK(got["HostsPath"] == "");
  ctr->state = {.status = ContainerStatus::running, .pid = 7};
  got = shapes::container_inspect_json(d, false);
  CHECK(got["HostsPath"] == "/r/containers/a/hosts");
  CHECK(got["NetworkSettings"]["SandboxKey"] == "/run/netns/a");
  ctr->spec.network_mode = "host";
  CHECK(shapes::container_inspect_json(d, false)["NetworkSettings"]["SandboxKey"] == "");
}

TEST_CASE("inspect Config.Cmd: a given Entrypoint drops the image's Cmd ([]), as podman", "[compat-containers]") {
  auto d = exited_details();
  auto ctr = std::make_shared<core::Container>(*d.container);
  d.container = ctr;
  d.image_cmd = {"/bin/sh"};
  ctr->spec.command.reset();
  ctr->spec.entrypoint = std::vector<std::string>{"echo", "param1"};
  CHECK(shapes::container_inspect_json(d, false)["Config"]["Cmd"] == json::array());
  ctr->spec.entrypoint.reset();
  CHECK(shapes::container_inspect_json(d, false)["Config"]["Cmd"] == json::array({"/bin/sh"}));
}

TEST_CASE("Binds and Tmpfs values get podman's completed mount options", "[compat-containers]") {
  using shapes::podman_bind_entry;
  using shapes::podman_tmpfs_value;
  CHECK(podman_tmpfs_value({.type = "tmpfs", .destination = "/t"}) == "rw,rprivate,nosuid,nodev,tmpcopyup");
  CHECK(podman_tmpfs_value({.type = "tmpfs", .destination = "/t", .options = {"rw"}}) ==
        "rw,rprivate,nosuid,nodev,tmpcopyup");
  CHECK(podman_tmpfs_value({.type = "tmpfs", .destination = "/t", .options = {"size=1024", "mode=755"}}) ==
        "size=1024,mode=755,rw,rprivate,nosuid,nodev,tmpcopyup");
  CHECK(
      podman_tmpfs_value(
          {.type = "tmpfs", .destination = "/t", .read_only = true, .options = {"ro", "exec", "dev", "notmpcopyup"}}) ==
      "ro,exec,dev,rprivate,nosuid");
  CHECK(podman_bind_entry({.source = "/tmp", .destination = "/mnt"}) == "/tmp:/mnt:rw,rprivate,rbind");
  CHECK(podman_bind_entry({.source = "/a", .destination = "/b", .read_only = true, .propagation = "rshared"}) ==
        "/a:/b:ro,rshared,rbind");
  CHECK(podman_bind_entry({.type = "volume", .source = "v", .destination = "/d"}) ==
        "v:/d:rw,rprivate,nosuid,nodev,rbind");
}

TEST_CASE("Binds mark their host path to be made when missing, Mounts binds do not", "[compat-containers]") {
  auto spec = parse(R"({"Image":"b","HostConfig":{"Binds":["/tmp/nope:/t1","vol:/t2"],
      "Mounts":[{"Type":"bind","Source":"/tmp/nope2","Target":"/t3"}]}})");
  CHECK(mount_at(spec, "/t1")->create_source);
  CHECK_FALSE(mount_at(spec, "/t2")->create_source);  // a named volume
  CHECK_FALSE(mount_at(spec, "/t3")->create_source);
}

TEST_CASE("inspect State for each of our statuses", "[compat-containers]") {
  auto d = exited_details();
  auto ctr = std::make_shared<core::Container>(*d.container);
  d.container = ctr;
  ctr->state = {.status = ContainerStatus::configured};
  auto state = shapes::container_inspect_json(d, false)["State"];
  CHECK(state["Status"] == "created");
  CHECK(state["StartedAt"] == "0001-01-01T00:00:00Z");
  CHECK(state["FinishedAt"] == "0001-01-01T00:00:00Z");
  ctr->state = {.status = ContainerStatus::paused, .pid = 42, .started_ns = kSec};
  state = shapes::container_inspect_json(d, false)["State"];
  CHECK((state["Status"] == "paused" && state["Running"] == true && state["Paused"] == true && state["Pid"] == 42));
  ctr->state = {.status = ContainerStatus::stopped, .pid = 42, .exit_code = 137};
  state = shapes::container_inspect_json(d, false)["State"];
  CHECK((state["Status"] == "exited" && state["Running"] == false && state["Pid"] == 0 && state["ExitCode"] == 137));
  CHECK(shapes::docker_status(ContainerStatus::created) == "created");
  CHECK(shapes::docker_status(ContainerStatus::running) == "running");
  CHECK(shapes::docker_status(ContainerStatus::exited) == "exited");
  CHECK(shapes::docker_status(ContainerStatus::removing) == "removing");
}

TEST_CASE("list entries have docker 24's keys and types", "[compat-containers]") {
  auto d = exited_details();
  core::containers::ListedContainer listed{.container = d.container, .command = "sh -c 'echo hi'"};
  auto now = d.container->state.finished_ns + 150 * kSec;
  json got = json::array({shapes::container_summary_json(listed, now, false)});
  auto problems = berth::test::shape_problems(json::parse(docker_golden("container_list.json")), got, is_map);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  INFO(all);
  CHECK(problems.empty());
  CHECK(got[0]["Names"] == json::array({"/x"}));
  CHECK(got[0]["Created"] == 1694686893);
  CHECK(got[0]["Status"] == "Exited (0) 2 minutes ago");
  CHECK(got[0]["State"] == "exited");
  CHECK(got[0]["HostConfig"]["NetworkMode"] == "bridge");
  auto sized = shapes::container_summary_json(listed, now, true);
  CHECK((sized["SizeRw"] == 0 && sized["SizeRootFs"] == 0));
}

TEST_CASE("docker's human durations and status texts", "[compat-containers]") {
  CHECK(shapes::human_duration(kSec / 2) == "Less than a second");
  CHECK(shapes::human_duration(kSec) == "1 second");
  CHECK(shapes::human_duration(5 * kSec) == "5 seconds");
  CHECK(shapes::human_duration(59 * kSec) == "59 seconds");
  CHECK(shapes::human_duration(60 * kSec) == "About a minute");
  CHECK(shapes::human_duration(119 * kSec) == "About a minute");
  CHECK(shapes::human_duration(120 * kSec) == "2 minutes");
  CHECK(shapes::human_duration(59 * 60 * kSec) == "59 minutes");
  CHECK(shapes::human_duration(60 * 60 * kSec) == "About an hour");
  CHECK(shapes::human_duration(90 * 60 * kSec) == "2 hours");  // Go rounds hours
  CHECK(shapes::human_duration(47 * 3600 * kSec) == "47 hours");
  CHECK(shapes::human_duration(48 * 3600 * kSec) == "2 days");
  CHECK(shapes::human_duration(14 * 24 * 3600 * kSec) == "2 weeks");
  CHECK(shapes::human_duration(60 * 24 * 3600 * kSec) == "2 months");
  CHECK(shapes::human_duration(800 * 24 * 3600 * kSec) == "2 years");

  core::Container ctr;
  std::int64_t now = 1'000'000 * kSec;
  ctr.state = {.status = ContainerStatus::configured};
  CHECK(shapes::status_text(ctr, now) == "Created");
  ctr.state = {.status = ContainerStatus::running, .started_ns = now - 5 * kSec};
  CHECK(shapes::status_text(ctr, now) == "Up 5 seconds");
  ctr.state = {.status = ContainerStatus::paused, .started_ns = now - 7200 * kSec};
  CHECK(shapes::status_text(ctr, now) == "Up 2 hours (Paused)");
  ctr.state = {.status = ContainerStatus::exited,
               .exit_code = 3,
               .started_ns = now - 300 * kSec,
               .finished_ns = now - 120 * kSec};
  CHECK(shapes::status_text(ctr, now) == "Exited (3) 2 minutes ago");
  ctr.state = {.status = ContainerStatus::removing};
  CHECK(shapes::status_text(ctr, now) == "Removal In Progress");
}

TEST_CASE("wait, top, prune and log lines", "[compat-containers]") {
  CHECK(shapes::wait_json({.exit_code = 3}) == json::parse(R"({"StatusCode":3,"Error":null})"));
  CHECK(shapes::wait_json({.exit_code = -1, .error = "gone"}) ==
        json::parse(R"({"StatusCode":-1,"Error":{"Message":"gone"}})"));
  CHECK(shapes::top_json({.titles = {"PID", "CMD"}, .processes = {{"1", "sh"}}}) ==
        json::parse(R"({"Titles":["PID","CMD"],"Processes":[["1","sh"]]})"));
  CHECK(shapes::container_prune_json({}) == json::parse(R"({"ContainersDeleted":null,"SpaceReclaimed":0})"));
  CHECK(shapes::container_prune_json({.deleted = {"a"}, .space_reclaimed = 5}) ==
        json::parse(R"({"ContainersDeleted":["a"],"SpaceReclaimed":5})"));
  core::containers::LogRecordView rec{.stream = 2, .time_ns = 1694686894 * kSec + 5, .text = "hi\n"};
  std::string out;
  shapes::DockerLogShape plain{.framing = berth::http::Framing::docker_mux, .timestamps = false};
  plain(out, rec);
  CHECK(out == std::string("\x02\0\0\0\0\0\0\x03hi\n", 11));
  out.clear();
  shapes::DockerLogShape stamped{.framing = berth::http::Framing::raw, .timestamps = true};
  stamped(out, rec);
  CHECK(out == "2023-09-14T10:21:34.000000005Z hi\n");
}
