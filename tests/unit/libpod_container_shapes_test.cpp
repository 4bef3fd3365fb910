// Libpod container shapes against podman 4.3.1: the SpecGenerator bodies podman --remote sent
// (tests/golden/podman-4.3.1/containers_create_body_*.json) parsed into a ContainerSpec, wrong types answering 400
// with the field's name, and inspect/list/rm/prune documents compared key by key and type by type with podman's.
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "api/containers.hpp"
#include "api/shapes/container_create.hpp"
#include "api/shapes/containers.hpp"
#include "compat/shapes/containers.hpp"
#include "core/error.hpp"
#include "server/http/error_map.hpp"
#include "tests/unit/golden_shape.hpp"

using nlohmann::json;
namespace core = berth::core;
namespace shapes = berth::api::shapes;
using berth::test::golden;

namespace {

// The status and message a create body answers with, or 0 when it parses.
std::pair<int, std::string> create_error(const std::string& body) {
  try {
    shapes::spec_from_specgen(body);
  } catch (const core::Error& e) {
    return {berth::http::status_for(e.code()), e.message()};
  }
  return {0, ""};
}

bool data_keys(const std::string& path) {
  return path.ends_with("/Labels") || path.ends_with("/Annotations") || path.ends_with("/Tmpfs") ||
         path.ends_with("/PortBindings") || path.ends_with("/Ports") || path == "/NetworkSettings/Networks";
}

// What we knowingly leave out: the client's command line (the spec does not keep it), and the cgroup path of a
// running container (podman's omitempty field; our cgroup is the runtime's business).
const std::set<std::string> kKnownGaps = {"/Config/CreateCommand: missing", "/State/CgroupPath: missing"};

void check_shape(const json& want, const json& got) {
  std::vector<std::string> problems;
  for (auto& p : berth::test::shape_problems(want, got, data_keys))
    if (!kKnownGaps.count(p)) problems.push_back(p);
  std::string listed;
  for (const auto& p : problems) listed += p + "\n";
  INFO(listed);
  CHECK(problems.empty());
}

core::containers::ContainerDetails details_of(core::ContainerSpec spec, core::ContainerState state) {
  auto ctr = std::make_shared<core::Container>();
  ctr->id = std::string(64, 'a');
  ctr->name = spec.name.empty() ? "c1" : spec.name;
  ctr->created_ns = 1'795'847'424'064'644'033;
  spec.image_id = std::string(64, 'b');
  ctr->spec = std::move(spec);
  ctr->state = state;
  core::containers::ContainerDetails d;
  d.container = ctr;
  d.paths = {.dir = "/r/containers/a",
             .upper = "/r/containers/a/upper",
             .work = "/r/containers/a/work",
             .merged = "/r/containers/a/merged",
             .persist = "/r/containers/a/persist",
             .log = "/r/containers/a/ctr.log",
             .hosts = "/r/containers/a/hosts",
             .hostname = "/r/containers/a/hostname",
             .resolv = "/r/containers/a/resolv.conf",
             .bundle = "/run/ctr/a",
             .config_json = "/run/ctr/a/config.json",
             .pid_file = "/run/ctr/a/pidfile",
             .conmon_pid = "/run/ctr/a/conmon.pid",
             .exit_file = "/run/exits/a",
             .netns = "/run/netns/a"};
  d.path = "sleep";
  d.args = {"1000"};
  d.env = {"PATH=/usr/bin:/bin", "A=1"};
  d.working_dir = "/";
  d.hostname = "aaaaaaaaaaaa";
  d.stop_signal = "SIGTERM";
  d.lower_dirs = {"/r/layers/1/diff"};
  d.labels = d.container->spec.labels;
  d.image_cmd = {"sh"};
  d.size_rw = 12;
  d.size_root_fs = 1982270;
  return d;
}

core::ContainerSpec run_spec() {
  return shapes::spec_from_specgen(berth::test::golden_text("containers_create_body_run.json"));
}
core::ContainerSpec create_spec() {
  return shapes::spec_from_specgen(berth::test::golden_text("containers_create_body_create.json"));
}

core::ContainerState running_state() {
  return {.status = core::ContainerStatus::running,
          .pid = 11856,
          .conmon_pid = 11845,
          .started_ns = 1'795'847'424'372'039'853};
}
core::ContainerState exited_state(int code) {
  return {.status = core::ContainerStatus::exited,
          .exit_code = code,
          .started_ns = 1'795'847'424'609'496'756,
          .finished_ns = 1'795'847'424'699'517'666};
}

}  // namespace

TEST_CASE("podman run's SpecGenerator becomes the spec it describes", "[libpod-containers]") {
  auto spec = run_spec();
  CHECK(spec.name == "x");
  CHECK(spec.image == "busybox");
  CHECK(spec.command == std::vector<std::string>{"sh", "-c", "echo hi"});
  CHECK_FALSE(spec.entrypoint.has_value());  // the image's applies
  CHECK(spec.env == std::vector<std::string>{"A=1"});
  CHECK(spec.labels == std::map<std::string, std::string>{{"a", "b"}});
  CHECK(spec.annotations.at("io.kubernetes.cri-o.TTY") == "false");
  CHECK(spec.stop_timeout == 10);
  REQUIRE(spec.mounts.size() == 2);
  CHECK(spec.mounts[0].type == "bind");
  CHECK(spec.mounts[0].source == "/tmp");
  CHECK(spec.mounts[0].destination == "/data");
  CHECK(spec.mounts[0].read_only);
  CHECK(spec.mounts[0].options.empty());
  CHECK(spec.mounts[1].type == "tmpfs");
  CHECK(spec.mounts[1].source.empty());
  CHECK(spec.mounts[1].destination == "/run");
  CHECK(spec.resources.memory == 64 * 1024 * 1024);
  CHECK(spec.resources.memory_swap == 128 * 1024 * 1024);
  CHECK(spec.resources.cpu_quota == 150000);
  CHECK(spec.resources.cpu_period == 100000);
  CHECK(spec.restart.name == "on-failure");
  CHECK(spec.restart.max_retries == 2);
  CHECK(spec.cap_add == std::vector<std::string>{"NET_ADMIN"});
  CHECK(spec.network_mode.empty());  // netns {}: the default
  CHECK(spec.log_driver.empty());
  CHECK_FALSE(spec.tty);
}

TEST_CASE("podman create's SpecGenerator with every option we map", "[libpod-containers]") {
  auto spec = create_spec();
  CHECK(spec.entrypoint == std::vector<std::string>{"/bin/sh"});
  CHECK(spec.command == std::vector<std::string>{"-c", "sleep 100"});
  CHECK(spec.tty);
  CHECK(spec.open_stdin);
  CHECK(spec.stop_signal == "SIGINT");  // sent as the number 2
  CHECK(spec.hostname == "h2");
  CHECK(spec.working_dir == "/tmp");
  CHECK(spec.user == "1000:1000");
  CHECK(spec.group_add == std::vector<std::string>{"10"});
  CHECK(spec.init);
  CHECK(spec.read_only_rootfs);
  CHECK(spec.shm_size == 1048576);
  CHECK(spec.cap_drop == std::vector<std::string>{"CHOWN"});
  CHECK(spec.no_new_privileges);
  CHECK(spec.security_opt == std::vector<std::string>{"seccomp=unconfined"});
  CHECK(spec.sysctls == std::map<std::string, std::string>{{"net.ipv4.ip_forward", "1"}});
  REQUIRE(spec.devices.size() == 1);
  CHECK(spec.devices[0].path_on_host == "/dev/null");
  CHECK(spec.devices[0].path_in_container == "/dev/xnull");
  CHECK(spec.devices[0].permissions == "rw");
  REQUIRE(spec.mounts.size() == 3);  // podman adds /tmp, /var/tmp, /run tmpfs for --read-only
  CHECK(spec.mounts[0].type == "tmpfs");
  CHECK(spec.mounts[0].options == std::vector<std::string>{"nosuid", "nodev", "tmpcopyup"});
  CHECK(spec.mounts[0].propagation == "rprivate");
  CHECK(spec.resources.cpu_shares == 512);
  CHECK(spec.resources.pids_limit == 50);
  CHECK(spec.resources.blkio_weight == 300);
  REQUIRE(spec.ulimits.size() == 1);
  CHECK(spec.ulimits[0].name == "nofile");
  CHECK(spec.ulimits[0].soft == 100);
  CHECK(spec.ulimits[0].hard == 200);
  CHECK(spec.oom_score_adj == 5);
  CHECK(spec.dns_servers == std::vector<std::string>{"1.1.1.1"});
  CHECK(spec.dns_search == std::vector<std::string>{"example.com"});
  CHECK(spec.dns_options == std::vector<std::string>{"ndots:2"});
  CHECK(spec.extra_hosts == std::vector<std::string>{"a:1.2.3.4"});
  REQUIRE(spec.port_bindings.count("80/tcp") == 1);
  CHECK(spec.port_bindings.at("80/tcp").at(0).host_port == "8080");
  CHECK(spec.exposed_ports == std::vector<std::string>{"90/tcp"});
  CHECK(spec.log_driver == "k8s-file");
  CHECK(spec.log_options.at("max-size") == "1000000");
}

TEST_CASE("SpecGenerator: a value of the wrong JSON type is a 400 naming the field", "[libpod-containers]") {
  struct Case {
    const char* body;
    const char* field;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"image":"busybox","name":5})", "/name"},
           {R"({"image":"busybox","command":"sh"})", "/command"},
           {R"({"image":"busybox","env":["A=1"]})", "/env"},
           {R"({"image":"busybox","terminal":"yes"})", "/terminal"},
           {R"({"image":"busybox","resource_limits":{"memory":{"limit":"64m"}}})", "/resource_limits/memory/limit"},
           {R"({"image":"busybox","mounts":[{"destination":"/d","source":7}]})", "/mounts/0/source"},
           {R"({"image":"busybox","stop_signal":"SIGINT"})", "/stop_signal"},
           {R"({"image":"busybox","portmappings":[{"container_port":"80"}]})", "/portmappings/0/container_port"},
           {R"({"image":"busybox","netns":"host"})", "/netns"},
           {R"({"image":"busybox","labels":{"a":1}})", "/labels/a"},
       }) {
    INFO(c.body);
    auto [status, message] = create_error(c.body);
    CHECK(status == 400);
    CHECK_THAT(message, Catch::Contains(c.field));
  }
  CHECK(create_error("{not json").first == 400);
  CHECK(create_error(R"({"name":"x"})").first == 400);  // neither image nor rootfs
}

TEST_CASE("SpecGenerator: settings Berth cannot honour yet are refused, not dropped", "[libpod-containers]") {
  auto [status, message] = create_error(R"({"image":"b","volumes":[{"Name":"v","Dest":"/v"}]})");
  CHECK(status == 400);
  CHECK(message == "named volumes are not supported yet");
  CHECK(create_error(R"({"image":"b","pod":"p1"})").first == 400);
  CHECK(create_error(R"({"image":"b","pidns":{"nsmode":"host"}})").first == 400);
  CHECK(create_error(R"({"image":"b","netns":{"nsmode":"container","value":"x"}})").first == 400);
  CHECK(create_error(R"({"image":"b","mounts":[{"destination":"/v","type":"volume","source":"v"}]})").first == 400);
  CHECK(create_error(R"({"image":"b","volumes":[]})").first == 0);  // empty lists are fine
}

TEST_CASE("SpecGenerator: network modes map onto what exists", "[libpod-containers]") {
  auto mode = [](const char* nsmode) {
    return shapes::spec_from_specgen(std::string(R"({"image":"b","netns":{"nsmode":")") + nsmode + "\"}}").network_mode;
  };
  CHECK(mode("none") == "none");
  CHECK(mode("host") == "host");
  CHECK(mode("bridge") == "private");
  CHECK(mode("private") == "private");
  CHECK(mode("") == "");
}

TEST_CASE("SpecGenerator: keys match without case and null is not given", "[libpod-containers]") {
  auto spec = shapes::spec_from_specgen(R"({"Image":"b","NAME":"n","command":null,"Restart_Policy":"always"})");
  CHECK(spec.image == "b");
  CHECK(spec.name == "n");
  CHECK_FALSE(spec.command.has_value());
  CHECK(spec.restart.name == "always");
  auto ports = shapes::spec_from_specgen(
      R"({"image":"b","portmappings":[{"container_port":80,"host_port":8000,"range":2,"protocol":"tcp,udp"}]})");
  CHECK(ports.port_bindings.size() == 4);
  CHECK(ports.port_bindings.at("81/udp").at(0).host_port == "8001");
}

TEST_CASE("create reply is {Id, Warnings: []}", "[libpod-containers]") {
  auto reply = shapes::specgen_create_reply_json("abc", {});
  CHECK(reply.dump() == R"({"Id":"abc","Warnings":[]})");
}

TEST_CASE("inspect matches podman 4.3.1's InspectContainerData", "[libpod-containers]") {
  SECTION("running, from podman run's body") {
    auto d = details_of(run_spec(), running_state());
    auto got = shapes::container_data_json(d, false);
    check_shape(golden("containers_libpod_inspect_running.json"), got);
    CHECK(got["State"]["Status"] == "running");
    CHECK(got["State"]["ConmonPid"] == 11845);
    CHECK(got["Config"]["StopSignal"] == 15);
    CHECK(got["Config"]["Entrypoint"] == "");
    CHECK(got["HostConfig"]["Binds"] == json::array({"/tmp:/data:ro,rprivate,rbind"}));
    CHECK(got["HostConfig"]["Tmpfs"]["/run"] == "rw,rprivate,nosuid,nodev,tmpcopyup");
    CHECK(got["HostConfig"]["NanoCpus"] == 1500000000);
    CHECK(got["ResolvConfPath"] == "/r/containers/a/resolv.conf");
    CHECK(got["NetworkSettings"]["SandboxKey"] == "/run/netns/a");
    CHECK(got["HostConfig"]["RestartPolicy"] == json({{"Name", "on-failure"}, {"MaximumRetryCount", 2}}));
    CHECK(got["Mounts"].size() == 1);  // tmpfs only in HostConfig.Tmpfs
  }
  SECTION("created, from podman create's body") {
    auto d = details_of(create_spec(), {.status = core::ContainerStatus::created});
    d.stop_signal = "SIGINT";
    auto got = shapes::container_data_json(d, false);
    check_shape(golden("containers_libpod_inspect_created.json"), got);
    CHECK(got["State"]["Status"] == "created");
    CHECK_FALSE(got["State"].contains("ConmonPid"));
    CHECK(got["State"]["StartedAt"] == "0001-01-01T00:00:00Z");
    CHECK(got["Config"]["StopSignal"] == 2);
    CHECK(got["Config"]["Entrypoint"] == "/bin/sh");
    CHECK(got["Config"]["Cmd"] == json::array({"-c", "sleep 100"}));
    CHECK(got["HostConfig"]["Init"] == true);
    // podman shows the /etc files only once init has made them (state.BindMounts), and no netns yet.
    CHECK(got["ResolvConfPath"] == "");
    CHECK(got["HostnamePath"] == "");
    CHECK(got["HostsPath"] == "");
    CHECK(got["NetworkSettings"]["SandboxKey"] == "");
    auto entrypoint_only = create_spec();
    entrypoint_only.command.reset();  // only an entrypoint: the image's Cmd is dropped, as the process runs
    CHECK(shapes::container_data_json(details_of(entrypoint_only, {}), false)["Config"]["Cmd"].is_null());
    CHECK(got["HostConfig"]["PortBindings"]["90/tcp"].is_null());
    CHECK(got["HostConfig"]["Ulimits"][0]["Name"] == "RLIMIT_NOFILE");
  }
  SECTION("exited, with sizes") {
    auto d = details_of(run_spec(), exited_state(3));
    auto got = shapes::container_data_json(d, true);
    check_shape(golden("containers_libpod_inspect_exited.json"), got);
    CHECK(got["State"]["ExitCode"] == 3);
    CHECK(got["SizeRw"] == 12);
    CHECK(got["HostsPath"] == "/r/containers/a/hosts");  // kept after the exit, as podman
    CHECK(got["NetworkSettings"]["SandboxKey"] == "");
  }
}

TEST_CASE("podman's state names", "[libpod-containers]") {
  CHECK(shapes::podman_status(core::ContainerStatus::configured) == "created");  // podman's String() of it
  CHECK(shapes::podman_status(core::ContainerStatus::stopped) == "stopped");
  CHECK(shapes::podman_status(core::ContainerStatus::exited) == "exited");
  CHECK(shapes::podman_status(core::ContainerStatus::removing) == "removing");
}

TEST_CASE("list entries match podman 4.3.1's ListContainer", "[libpod-containers]") {
  auto want = golden("containers_libpod_list.json");
  REQUIRE(want.size() == 3);
  auto d = details_of(run_spec(), exited_state(3));
  core::containers::ListedContainer listed{.container = d.container, .size_rw = 12, .size_root_fs = 1982270};
  auto got = shapes::list_container_json(listed, true);
  check_shape(want[2], got);  // e1: exited, no ports
  CHECK(got["ExitCode"] == 3);
  CHECK(got["Exited"] == true);
  CHECK(got["Names"] == json::array({"x"}));
  CHECK(got["ExitedAt"] == 1795847424);
  CHECK(got["Size"]["rwSize"] == 12);

  auto created = details_of(create_spec(), {.status = core::ContainerStatus::created});
  core::containers::ListedContainer unsized{.container = created.container, .command = "/bin/sh -c sleep 100"};
  check_shape(want[0], shapes::list_container_json(unsized, true));  // c2: created, a published port
  auto fresh = shapes::list_container_json(unsized, false);
  CHECK(fresh["StartedAt"] == -62135596800);  // Go's zero time, as podman lists it
  CHECK(fresh["Size"].is_null());
  CHECK(fresh["Ports"][0] ==
        json({{"host_ip", ""}, {"container_port", 80}, {"host_port", 8080}, {"range", 1}, {"protocol", "tcp"}}));
  CHECK(fresh["Command"] == json::array({"-c", "sleep 100"}));
}

TEST_CASE("rm and prune reports match podman 4.3.1", "[libpod-containers]") {
  check_shape(golden("containers_libpod_remove.json"), shapes::rm_report_json("id1", "e1"));
  core::containers::PruneReport report{.deleted = {"a", "b"}, .space_reclaimed = 24};
  auto got = shapes::prune_report_json(report);
  check_shape(golden("containers_libpod_prune.json"), got);
  CHECK(got.size() == 2);
  CHECK(shapes::prune_report_json({}).dump() == "[]");
}

TEST_CASE("libpod log frames keep the stream and use RFC 3339 seconds", "[libpod-containers]") {
  core::containers::LogRecordView rec{.stream = 2, .time_ns = 1'795'847'442'123'456'789, .text = "tty\r\n"};
  std::string out;
  shapes::LibpodLogShape stamped{.timestamps = true};
  stamped(out, rec);
  std::string text = "2026-11-28T06:30:42Z tty\r\n";  // as podman sent it
  CHECK(out == std::string("\x02\0\0\0\0\0\0", 7) + static_cast<char>(text.size()) + text);
  out.clear();
  shapes::LibpodLogShape plain{.timestamps = false};
  plain(out, rec);
  CHECK(out.substr(8) == "tty\r\n");
}

TEST_CASE("every libpod container route is registered and documented", "[libpod-containers]") {
  berth::http::Router router;
  berth::api::add_container_routes(router);
  std::ifstream in(std::string(BERTH_OPENAPI_DIR) + "/libpod.json");
  auto doc = json::parse(in);
  CHECK(router.routes().size() == 19);
  for (const auto& r : router.routes()) {
    std::string method = r->method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    INFO(r->method << " " << r->pattern);
    CHECK(doc["paths"].contains(r->pattern));
    CHECK(doc["paths"][r->pattern].contains(method));
  }
}

TEST_CASE("top answers {Titles, Processes} as podman does", "[libpod-containers]") {
  core::containers::TopResult top{.titles = {"USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"},
                                  .processes = {{"root", "1", "0", "0.0", "00:03", "?", "00:00:00", "sleep 1000"}}};
  check_shape(golden("containers_libpod_top.json"), berth::compat::shapes::top_json(top));
}
