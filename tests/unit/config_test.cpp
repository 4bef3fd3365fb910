// core/config: containers.conf order and keys, registries.conf v1/v2 and drop-ins, storage.conf, errors.
#include "core/config/config.hpp"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "tests/support/temp_dir.hpp"

using berth::core::Config;
using berth::core::ConfigSources;
using berth::core::Errc;
using berth::core::Error;
using berth::core::load_config;

namespace {

using berth::test::TempDir;

// Sets or unsets a variable for one scope and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Clears every variable the loader reads, so the tests do not depend on the caller's environment.
struct CleanEnv {
  ScopedEnv conf{"CONTAINERS_CONF", std::nullopt};
  ScopedEnv conf_override{"CONTAINERS_CONF_OVERRIDE", std::nullopt};
  ScopedEnv registries{"CONTAINERS_REGISTRIES_CONF", std::nullopt};
  ScopedEnv registries_legacy{"REGISTRIES_CONFIG_PATH", std::nullopt};
  ScopedEnv storage{"CONTAINERS_STORAGE_CONF", std::nullopt};
};

// Sources that read only files under dir: no system files, no environment.
ConfigSources isolated(const TempDir& dir) {
  ConfigSources sources;
  sources.containers_conf = {dir.sub("containers.conf")};
  sources.registries_conf = dir.write("registries.conf", "");
  sources.registries_conf_d = dir.sub("registries.conf.d");
  sources.storage_conf = dir.sub("storage.conf");
  sources.use_environment = false;
  return sources;
}

// The error load_config fails with; fails the test when it succeeds.
Error load_error(const ConfigSources& sources) {
  try {
    load_config(sources);
  } catch (const Error& err) {
    return err;
  }
  FAIL("load_config succeeded");
  return Error(Errc::internal, "", "");
}

using Catch::Matchers::Contains;

}  // namespace

TEST_CASE("config loads this machine's real files", "[config]") {
  CleanEnv env;
  Config config = load_config({});
  if (std::filesystem::exists("/usr/share/containers/containers.conf")) {
    REQUIRE_FALSE(config.containers_conf_files.empty());
    CHECK(config.containers_conf_files.front() == "/usr/share/containers/containers.conf");
  }
  if (std::filesystem::exists("/etc/containers/registries.conf")) {
    REQUIRE_FALSE(config.registries.files.empty());
    CHECK(config.registries.files.front() == "/etc/containers/registries.conf");
  }
  CHECK(config.root == "/var/lib/berth");
  CHECK(config.runroot == "/run/berth");
}

TEST_CASE("config keeps the built-in defaults when no file exists", "[config]") {
  TempDir dir;
  Config config = load_config(isolated(dir));
  CHECK(config.containers_conf_files.empty());
  CHECK(config.containers.pids_limit == 2048);
  CHECK(config.containers.log_driver == "k8s-file");
  CHECK(config.containers.default_network == "berth");
  CHECK(config.containers.default_subnet == "10.66.0.0/16");
  CHECK(config.tools.runc == "/usr/sbin/runc");
  CHECK(config.storage.driver == "overlay");
  CHECK(config.storage.file.empty());
  CHECK(config.storage.graphroot.empty());
  CHECK(config.registries.unqualified_search.empty());
  CHECK(config.registries.files == std::vector<std::string>{dir.sub("registries.conf")});
}

TEST_CASE("config reads every honoured containers.conf key", "[config]") {
  TempDir dir;
  dir.write("containers.conf", R"(
[containers]
default_ulimits = ["nofile=1024:2048", "nproc=512", "core=-1:-1"]
log_size_max = 1048576
log_driver = "journald"
pids_limit = 100
shm_size = "128m"
env = ["A=1", "B=2"]
default_capabilities = ["CHOWN", "KILL"]
dns_servers = ["1.1.1.1"]
dns_searches = ["example.com"]
tz = "local"
no_hosts = true
init = true
unknown_key = "ignored"

[engine]
detach_keys = "ctrl-a"
cgroup_manager = "systemd"
events_logger = "journald"
compat_api_enforce_docker_hub = false
infra_command = "/pause"

[network]
network_backend = "cni"
default_network = "mynet"
default_subnet = "10.99.0.0/16"

[machine]
cpus = 4
)");
  Config config = load_config(isolated(dir));
  const auto& c = config.containers;
  REQUIRE(c.default_ulimits.size() == 3);
  CHECK(c.default_ulimits[0].name == "nofile");
  CHECK(c.default_ulimits[0].soft == 1024);
  CHECK(c.default_ulimits[0].hard == 2048);
  CHECK(c.default_ulimits[1].name == "nproc");
  CHECK(c.default_ulimits[1].soft == 512);
  CHECK(c.default_ulimits[1].hard == 512);
  CHECK(c.default_ulimits[2].soft == -1);
  CHECK(c.log_size_max == 1048576);
  CHECK(c.log_driver == "journald");
  CHECK(c.pids_limit == 100);
  CHECK(c.shm_size == "128m");
  CHECK(c.env == std::vector<std::string>{"A=1", "B=2"});
  CHECK(c.default_capabilities == std::vector<std::string>{"CHOWN", "KILL"});
  CHECK(c.dns_servers == std::vector<std::string>{"1.1.1.1"});
  CHECK(c.dns_searches == std::vector<std::string>{"example.com"});
  CHECK(c.tz == "local");
  CHECK(c.no_hosts);
  CHECK(c.init);
  CHECK(c.detach_keys == "ctrl-a");
  CHECK(c.cgroup_manager == "systemd");
  CHECK(c.events_logger == "journald");
  CHECK_FALSE(c.compat_api_enforce_docker_hub);
  CHECK(c.network_backend == "cni");
  CHECK(c.default_network == "mynet");
  CHECK(c.default_subnet == "10.99.0.0/16");
  CHECK(config.containers_conf_files == std::vector<std::string>{dir.sub("containers.conf")});
}

TEST_CASE("config rejects malformed ulimits", "[config]") {
  TempDir dir;
  auto sources = isolated(dir);
  for (std::string bad : {"nofile", "bogus=1", "nofile=abc", "nofile=10:5", "nofile=1:2:3", "nofile="}) {
    dir.write("containers.conf", "[containers]\ndefault_ulimits = [\"" + bad + "\"]\n");
    Error err = load_error(sources);
    CHECK(err.code() == Errc::invalid_argument);
    CHECK_THAT(err.message(), Contains(dir.sub("containers.conf")) && Contains("containers.default_ulimits"));
  }
}

TEST_CASE("config: later containers.conf files override only the keys they set", "[config]") {
  TempDir dir;
  auto sources = isolated(dir);
  std::string first = dir.write("first.conf", "[containers]\npids_limit = 10\nlog_driver = \"none\"\n");
  std::string second = dir.write("second.conf", "[containers]\npids_limit = 20\n");
  std::string extra = dir.write("extra.conf", "[containers]\ntz = \"UTC\"\n[engine]\nevents_logger = \"none\"\n");
  sources.containers_conf = {first, dir.sub("missing.conf"), second};
  sources.extra_config = extra;
  Config config = load_config(sources);
  CHECK(config.containers.pids_limit == 20);
  CHECK(config.containers.log_driver == "none");
  CHECK(config.containers.tz == "UTC");
  CHECK(config.containers.events_logger == "none");
  CHECK(config.containers_conf_files == std::vector<std::string>{first, second, extra});
}

TEST_CASE("config: a directory in the list stands for its *.conf files, sorted", "[config]") {
  TempDir dir;
  auto sources = isolated(dir);
  std::string base = dir.write("base.conf", "[containers]\npids_limit = 1\nshm_size = \"1m\"\n");
  std::string b = dir.write("conf.d/20-b.conf", "[containers]\npids_limit = 3\n");
  std::string a = dir.write("conf.d/10-a.conf", "[containers]\npids_limit = 2\nshm_size = \"2m\"\n");
  dir.write("conf.d/30-c.txt", "[containers]\npids_limit = 99\n");
  dir.write("conf.d/sub/40-d.conf", "[containers]\npids_limit = 98\n");
  sources.containers_conf = {base, dir.sub("conf.d")};
  Config config = load_config(sources);
  CHECK(config.containers_conf_files == std::vector<std::string>{base, a, b});
  CHECK(config.containers.pids_limit == 3);
  CHECK(config.containers.shm_size == "2m");
}

TEST_CASE("config: CONTAINERS_CONF replaces the default list, CONTAINERS_CONF_OVERRIDE comes before --config",
          "[config]") {
  CleanEnv clean;
  TempDir dir;
  auto sources = isolated(dir);
  sources.containers_conf.clear();
  sources.use_environment = true;
  std::string env_conf = dir.write("env.conf", "[containers]\npids_limit = 5\nlog_driver = \"none\"\n");
  std::string override_conf = dir.write("override.conf", "[containers]\npids_limit = 6\ntz = \"a\"\n");
  std::string extra = dir.write("extra.conf", "[containers]\ntz = \"b\"\n");
  ScopedEnv conf("CONTAINERS_CONF", env_conf);

  SECTION("CONTAINERS_CONF alone") {
    Config config = load_config(sources);
    CHECK(config.containers_conf_files == std::vector<std::string>{env_conf});
    CHECK(config.containers.pids_limit == 5);
  }
  SECTION("with the override and --config") {
    ScopedEnv override_env("CONTAINERS_CONF_OVERRIDE", override_conf);
    sources.extra_config = extra;
    Config config = load_config(sources);
    CHECK(config.containers_conf_files == std::vector<std::string>{env_conf, override_conf, extra});
    CHECK(config.containers.pids_limit == 6);
    CHECK(config.containers.log_driver == "none");
    CHECK(config.containers.tz == "b");
  }
  SECTION("an explicit list wins over CONTAINERS_CONF") {
    std::string listed = dir.write("listed.conf", "[containers]\npids_limit = 7\n");
    sources.containers_conf = {listed};
    Config config = load_config(sources);
    CHECK(config.containers_conf_files == std::vector<std::string>{listed});
  }
  SECTION("use_environment = false ignores the variables") {
    sources.use_environment = false;
    sources.containers_conf = {dir.sub("containers.conf")};
    Config config = load_config(sources);
    CHECK(config.containers_conf_files.empty());
    CHECK(config.containers.pids_limit == 2048);
  }
}

TEST_CASE("config: a missing CONTAINERS_CONF, override or --config file is an error", "[config]") {
  CleanEnv clean;
  TempDir dir;
  auto sources = isolated(dir);
  std::string missing = dir.sub("nope.conf");
  SECTION("--config") {
    sources.extra_config = missing;
    Error err = load_error(sources);
    CHECK(err.code() == Errc::invalid_argument);
    CHECK_THAT(err.message(), Contains("--config") && Contains(missing));
  }
  SECTION("CONTAINERS_CONF") {
    sources.containers_conf.clear();
    sources.use_environment = true;
    ScopedEnv conf("CONTAINERS_CONF", missing);
    CHECK_THAT(load_error(sources).message(), Contains("CONTAINERS_CONF") && Contains(missing));
  }
  SECTION("CONTAINERS_CONF_OVERRIDE") {
    sources.use_environment = true;
    ScopedEnv conf("CONTAINERS_CONF_OVERRIDE", missing);
    CHECK_THAT(load_error(sources).message(), Contains("CONTAINERS_CONF_OVERRIDE") && Contains(missing));
  }
}

TEST_CASE("config: malformed TOML names the file, line and column", "[config]") {
  TempDir dir;
  auto sources = isolated(dir);
  std::string bad = dir.write("containers.conf", "[containers]\npids_limit = = 3\n");
  Error err = load_error(sources);
  CHECK(err.code() == Errc::invalid_argument);
  CHECK_THAT(err.message(), Contains(bad) && Contains("line 2") && Contains("column"));

  std::string bad_registries = dir.write("registries.conf", "[[registry]\nprefix = \"x\"\n");
  dir.write("containers.conf", "");
  CHECK_THAT(load_error(sources).message(), Contains(bad_registries) && Contains("line 1"));
}

TEST_CASE("config: a value of the wrong type names the file and the key", "[config]") {
  TempDir dir;
  auto sources = isolated(dir);
  std::string path = dir.sub("containers.conf");
  SECTION("scalar") {
    dir.write("containers.conf", "[containers]\n\npids_limit = \"many\"\n");
    Error err = load_error(sources);
    CHECK(err.code() == Errc::invalid_argument);
    CHECK_THAT(err.message(), Contains(path) && Contains("containers.pids_limit") && Contains("line 3"));
  }
  SECTION("array element") {
    dir.write("containers.conf", "[containers]\nenv = [\"A=1\", 2]\n");
    CHECK_THAT(load_error(sources).message(), Contains(path) && Contains("containers.env"));
  }
  SECTION("section") {
    dir.write("containers.conf", "engine = 1\n");
    CHECK_THAT(load_error(sources).message(), Contains(path) && Contains("\"engine\""));
  }
  SECTION("nested runtimes") {
    dir.write("containers.conf", "[engine.runtimes]\nrunc = \"/usr/bin/runc\"\n");
    CHECK_THAT(load_error(sources).message(), Contains(path) && Contains("engine.runtimes.runc"));
  }
  SECTION("registries.conf") {
    std::string reg = dir.write("registries.conf", "[[registry]]\nlocation = \"a.io\"\ninsecure = \"yes\"\n");
    CHECK_THAT(load_error(sources).message(), Contains(reg) && Contains("registry[0].insecure"));
  }
  SECTION("storage.conf") {
    std::string storage = dir.write("storage.conf", "[storage]\ndriver = 1\n");
    CHECK_THAT(load_error(sources).message(), Contains(storage) && Contains("storage.driver"));
  }
}

TEST_CASE("config: tool paths come from the first existing candidate", "[config]") {
  TempDir dir;
  auto sources = isolated(dir);
  std::string conmon = dir.write("bin/conmon", "");
  std::string runc = dir.write("bin/runc", "");
  std::string netavark = dir.write("helpers2/netavark", "");
  std::string aardvark = dir.write("helpers1/aardvark-dns", "");
  std::string catatonit = dir.write("helpers2/catatonit", "");
  std::string first = dir.write("first.conf", "[engine]\nconmon_path = [\"/nonexistent/conmon\"]\n");
  std::string second = dir.write("second.conf", "[engine]\nconmon_path = [\"" + dir.sub("none/conmon") + "\", \"" +
                                                    conmon + "\"]\nhelper_binaries_dir = [\"" + dir.sub("helpers1") +
                                                    "\", \"" + dir.sub("helpers2") + "\"]\n[engine.runtimes]\n" +
                                                    "runc = [\"" + runc + "\"]\ncrun = [\"/x/crun\"]\n");
  sources.containers_conf = {first, second};
  Config config = load_config(sources);
  CHECK(config.tools.conmon == conmon);
  CHECK(config.tools.runc == runc);
  CHECK(config.tools.netavark == netavark);
  CHECK(config.tools.aardvark_dns == aardvark);
  CHECK(config.tools.catatonit == catatonit);

  // A later file replaces the whole list; when nothing in it exists the default stays.
  std::string third = dir.write("third.conf", "[engine]\nconmon_path = [\"/nonexistent/conmon\"]\n");
  sources.containers_conf = {second, third};
  CHECK(load_config(sources).tools.conmon == berth::core::ToolPaths{}.conmon);
}

TEST_CASE("config: registries.conf v2 with mirrors through CONTAINERS_REGISTRIES_CONF", "[config]") {
  CleanEnv clean;
  TempDir dir;
  auto sources = isolated(dir);
  sources.registries_conf.clear();
  sources.use_environment = true;
  std::string path = dir.write("mirrors.conf", R"(
unqualified-search-registries = ["docker.io"]
short-name-mode = "enforcing"
[[registry]]
prefix = "quay.io"
location = "quay.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "127.0.0.1:5098/quay.io"
insecure = true
pull-from-mirror = "tag-only"
[[registry]]
location = "localhost:5000/"
insecure = true
blocked = false
[[registry]]
prefix = "*.example.com"
blocked = true
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
)");
  ScopedEnv env("CONTAINERS_REGISTRIES_CONF", path);
  auto registries = load_config(sources).registries;
  CHECK(registries.files == std::vector<std::string>{path});
  CHECK(registries.unqualified_search == std::vector<std::string>{"docker.io"});
  CHECK(registries.short_name_mode == "enforcing");
  CHECK(registries.aliases.at("fedora") == "registry.fedoraproject.org/fedora");
  // Sorted by prefix, as c/image keeps them.
  REQUIRE(registries.registries.size() == 3);
  const auto& wildcard = registries.registries[0];
  CHECK(wildcard.prefix == "*.example.com");
  CHECK(wildcard.location.empty());
  CHECK(wildcard.blocked);
  const auto& local = registries.registries[1];
  CHECK(local.prefix == "localhost:5000");
  CHECK(local.location == "localhost:5000");
  CHECK(local.insecure);
  const auto& quay = registries.registries[2];
  CHECK(quay.prefix == "quay.io");
  CHECK(quay.location == "quay.io");
  CHECK_FALSE(quay.insecure);
  REQUIRE(quay.mirrors.size() == 1);
  CHECK(quay.mirrors[0].location == "127.0.0.1:5098/quay.io");
  CHECK(quay.mirrors[0].insecure);
  CHECK(quay.mirrors[0].pull_from_mirror == "tag-only");
  CHECK(quay.mirror_by_digest_only);
  CHECK_FALSE(local.mirror_by_digest_only);

  SECTION("REGISTRIES_CONFIG_PATH is the legacy fallback") {
    ScopedEnv unset("CONTAINERS_REGISTRIES_CONF", std::nullopt);
    ScopedEnv legacy("REGISTRIES_CONFIG_PATH", path);
    CHECK(load_config(sources).registries.files == std::vector<std::string>{path});
  }
  SECTION("an explicit path wins over the variable") {
    sources.registries_conf = dir.write("explicit.conf", "unqualified-search-registries = []\n");
    CHECK(load_config(sources).registries.files == std::vector<std::string>{sources.registries_conf});
  }
}

TEST_CASE("config: registries.conf v1 tables become v2 registries", "[config]") {
  TempDir dir;
  auto sources = isolated(dir);
  dir.write("registries.conf", R"(
[registries.search]
registries = ["docker.io", "quay.io/"]
[registries.insecure]
registries = ["localhost:5000", "bad.io"]
[registries.block]
registries = ["bad.io"]
)");
  auto registries = load_config(sources).registries;
  CHECK(registries.unqualified_search == std::vector<std::string>{"docker.io", "quay.io"});
  REQUIRE(registries.registries.size() == 2);
  CHECK(registries.registries[0].prefix == "bad.io");
  CHECK(registries.registries[0].location == "bad.io");
  CHECK(registries.registries[0].blocked);
  CHECK(registries.registries[0].insecure);
  CHECK(registries.registries[1].prefix == "localhost:5000");
  CHECK(registries.registries[1].insecure);
  CHECK_FALSE(registries.registries[1].blocked);
}

TEST_CASE("config: registries.conf format errors", "[config]") {
  TempDir dir;
  auto sources = isolated(dir);
  std::string main = sources.registries_conf;
  auto error_for = [&](const std::string& text) {
    dir.write("registries.conf", text);
    Error err = load_error(sources);
    CHECK(err.code() == Errc::invalid_argument);
    return err.message();
  };
  CHECK_THAT(error_for("unqualified-search-registries = [\"a.io\"]\n[registries.search]\nregistries = [\"b.io\"]\n"),
             Contains(main) && Contains("mixing"));
  CHECK_THAT(error_for("[[registry]]\nlocation = \"https://a.io\"\n"), Contains(main) && Contains("URI schemes"));
  CHECK_THAT(error_for("[[registry]]\ninsecure = true\n"), Contains("both location and prefix are unset"));
  CHECK_THAT(error_for("[[registry]]\nprefix = \"*.a.io/x\"\n"), Contains("registry[0].prefix"));
  CHECK_THAT(error_for("short-name-mode = \"sometimes\"\n"), Contains("short-name-mode"));
  CHECK_THAT(error_for("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\ninsecure = true\n"),
             Contains("registry[0].mirror[0].location"));
  CHECK_THAT(error_for("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\nlocation = \"b.io\"\n"
                       "pull-from-mirror = \"sometimes\"\n"),
             Contains("registry[0].mirror[0].pull-from-mirror"));
  CHECK_THAT(error_for("[[registry]]\nprefix = \"a.io/x\"\nlocation = \"a.io\"\ninsecure = true\n"
                       "[[registry]]\nprefix = \"a.io/y\"\nlocation = \"a.io\"\n"),
             Contains("conflicting 'insecure'"));

  dir.write("registries.conf", "");
  std::string v1_drop_in = dir.write("registries.conf.d/v1.conf", "[registries.search]\nregistries = [\"a.io\"]\n");
  CHECK_THAT(load_error(sources).message(), Contains(v1_drop_in) && Contains("v2 format"));

  std::filesystem::remove(v1_drop_in);
  sources.registries_conf = dir.sub("missing-registries.conf");
  CHECK_THAT(load_error(sources).message(), Contains(sources.registries_conf));
}

TEST_CASE("config: registries.conf.d drop-ins merge in name order", "[config]") {
  TempDir dir;
  auto sources = isolated(dir);
  std::string main = dir.write("registries.conf", R"(
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
[[registry]]
prefix = "quay.io"
location = "quay.io"
[[registry]]
prefix = "quay.io"
location = "shadowed.io"
[[registry]]
location = "keep.io"
[aliases]
"a" = "docker.io/library/a"
"b" = "docker.io/library/b"
)");
  std::string second = dir.write("registries.conf.d/20-second.conf", R"(
unqualified-search-registries = ["second.io"]
[[registry]]
prefix = "quay.io"
location = "mirror.quay.io"
[aliases]
"b" = "quay.io/b"
)");
  std::string first = dir.write("registries.conf.d/10-first.conf", R"(
unqualified-search-registries = ["first.io"]
short-name-mode = "disabled"
[[registry]]
prefix = "quay.io"
location = "first.quay.io"
[[registry]]
location = "new.io"
)");
  std::string third = dir.write("registries.conf.d/30-third.conf", "[aliases]\n\"c\" = \"docker.io/library/c\"\n");
  dir.write("registries.conf.d/40-ignored.txt", "unqualified-search-registries = [\"ignored.io\"]\n");

  auto registries = load_config(sources).registries;
  CHECK(registries.files == std::vector<std::string>{main, first, second, third});
  // The last drop-in that sets the list wins; one that does not set it keeps it.
  CHECK(registries.unqualified_search == std::vector<std::string>{"second.io"});
  CHECK(registries.short_name_mode == "disabled");
  REQUIRE(registries.registries.size() == 3);
  CHECK(registries.registries[0].prefix == "keep.io");
  CHECK(registries.registries[1].prefix == "new.io");
  CHECK(registries.registries[2].prefix == "quay.io");
  CHECK(registries.registries[2].location == "mirror.quay.io");
  CHECK(registries.aliases == std::map<std::string, std::string>{
                                  {"a", "docker.io/library/a"}, {"b", "quay.io/b"}, {"c", "docker.io/library/c"}});

  SECTION("the first entry of a prefix wins within one file") {
    std::filesystem::remove_all(dir.sub("registries.conf.d"));
    auto only_main = load_config(sources).registries;
    REQUIRE(only_main.registries.size() == 2);
    CHECK(only_main.registries[1].location == "quay.io");
  }
}

TEST_CASE("config: storage.conf is read from the first place that has it", "[config]") {
  CleanEnv clean;
  TempDir dir;
  auto sources = isolated(dir);
  std::string path = dir.write("storage.conf", R"(
[storage]
driver = "vfs"
graphroot = "/var/lib/containers/storage"
runroot = "/run/containers/storage"
[storage.options]
mount_program = "/usr/bin/fuse-overlayfs"
)");
  SECTION("explicit") {
    auto storage = load_config(sources).storage;
    CHECK(storage.file == path);
    CHECK(storage.driver == "vfs");
    CHECK(storage.graphroot == "/var/lib/containers/storage");
    CHECK(storage.runroot == "/run/containers/storage");
  }
  SECTION("CONTAINERS_STORAGE_CONF") {
    sources.storage_conf.clear();
    sources.use_environment = true;
    std::string env_path = dir.write("env-storage.conf", "[storage]\ndriver = \"\"\nrunroot = \"/run/x\"\n");
    ScopedEnv env("CONTAINERS_STORAGE_CONF", env_path);
    auto storage = load_config(sources).storage;
    CHECK(storage.file == env_path);
    CHECK(storage.driver == "overlay");
    CHECK(storage.runroot == "/run/x");
    CHECK(storage.graphroot.empty());
  }
  SECTION("missing") {
    sources.storage_conf = dir.sub("none.conf");
    auto storage = load_config(sources).storage;
    CHECK(storage.file.empty());
    CHECK(storage.driver == "overlay");
  }
}
