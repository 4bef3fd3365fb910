// The system endpoints over the unix socket, as curl sees them: _ping (all four paths, GET and HEAD), version,
// info (both trees) and the OpenAPI document.
#include <catch2/catch.hpp>

#include "tests/integration/common.hpp"

using namespace berth::test;

TEST_CASE("every ping path answers OK with podman's headers", "[integration][system]") {
  Berthd d;
  for (const char* path : {"/_ping", "/libpod/_ping", "/v1.41/_ping", "/v4.3.1/libpod/_ping"}) {
    INFO("GET " << path);
    auto r = t(d, "GET", path, 200);
    INFO(r.describe());
    CHECK(r.body == "OK");
    CHECK(r.header("Content-Type").rfind("text/plain", 0) == 0);
    CHECK(r.header("API-Version") == "1.41");
    CHECK(r.header("Libpod-API-Version") == "4.3.1");
    CHECK(r.header("Docker-Experimental") == "true");
    CHECK(r.header("Cache-Control") == "no-cache");
    CHECK(r.header("Pragma") == "no-cache");
    CHECK(r.header("Server") == "Libpod/4.3.1 (linux)");
    CHECK(!r.header("Libpod-Buildah-Version").empty());
    // The docker CLI looks for BuildKit-Version and Builder-Version; podman sends them empty.
    CHECK(r.has_header("BuildKit-Version"));
    CHECK(r.header("BuildKit-Version").empty());
    CHECK(r.has_header("Builder-Version"));
  }
}

TEST_CASE("HEAD ping answers 200 with the headers and no body", "[integration][system]") {
  Berthd d;
  for (const char* path : {"/_ping", "/libpod/_ping"}) {
    INFO("HEAD " << path);
    auto r = t(d, "HEAD", path, 200);
    INFO(r.describe());
    CHECK(r.body.empty());
    CHECK(r.header("API-Version") == "1.41");
    CHECK(r.header("Libpod-API-Version") == "4.3.1");
    CHECK(r.header("Docker-Experimental") == "true");
  }
}

TEST_CASE("/version reports docker API 1.41 and the components", "[integration][system]") {
  Berthd d;
  const std::string kernel = host_kernel();
  for (const char* path : {"/version", "/v1.41/version"}) {
    auto r = t(d, "GET", path, 200,
               {{".ApiVersion", "1.41"},
                {".MinAPIVersion", "1.24"},
                {".Os", "linux"},
                {".KernelVersion", kernel},
                {".Version", "~^[0-9]+\\.[0-9]+"},
                {".Arch", "~."},
                {".Components[0].Details.APIVersion", "4.3.1"},
                {".Components[0].Details.MinAPIVersion", "4.0.0"}});
    if (r.status != 200) continue;
    auto j = r.json();
    INFO(r.describe());
    bool has_berth = false;
    for (const auto& c : j.value("Components", nlohmann::json::array()))
      has_berth = has_berth || c.value("Name", "") == "Berth";
    CHECK(has_berth);
    check_keys_like(j, golden("version.json"), std::string("GET ") + path);
  }
}

TEST_CASE("/libpod/version is the same document", "[integration][system]") {
  Berthd d;
  auto compat = t(d, "GET", "/version", 200);
  auto libpod =
      t(d, "GET", "/v4.3.1/libpod/version", 200,
        {{".ApiVersion", "1.41"}, {".Components[0].Details.APIVersion", "4.3.1"}, {".KernelVersion", host_kernel()}});
  if (compat.status == 200 && libpod.status == 200) {
    auto a = compat.json(), b = libpod.json();
    // BuildTime and the rest are fixed at build time, so the two answers match exactly.
    CHECK(a == b);
  }
}

TEST_CASE("/info describes this host", "[integration][system]") {
  Berthd d;
  auto r = t(d, "GET", "/info", 200,
             {{".KernelVersion", host_kernel()},
              {".NCPU", host_cpus()},
              {".OSType", "linux"},
              {".Architecture", "~."},
              {".MemTotal", "~^[1-9][0-9]*$"},
              {".DockerRootDir", d.root()},
              {".Containers", "0"},
              {".Images", "0"},
              {".ServerVersion", "~^[0-9]+\\.[0-9]+"}});
  if (r.status == 200) check_keys_like(r.json(), golden("compat_info.json"), "GET /info");
  t(d, "GET", "/v1.41/info", 200, {{".KernelVersion", host_kernel()}});
}

TEST_CASE("/libpod/info describes this host and berthd's storage", "[integration][system]") {
  Berthd d;
  auto r = t(d, "GET", "/v4.3.1/libpod/info", 200,
             {{".host.kernel", host_kernel()},
              {".host.os", "linux"},
              {".host.cpus", host_cpus()},
              {".host.arch", "~."},
              {".host.ociRuntime.name", "runc"},
              {".host.ociRuntime.path", "~/runc$"},
              {".host.conmon.path", "~/conmon$"},
              {".host.memTotal", "~^[1-9][0-9]*$"},
              {".host.remoteSocket.path", d.url()},
              {".host.remoteSocket.exists", "true"},
              {".host.security.rootless", "false"},
              {".store.graphRoot", d.root()},
              {".store.runRoot", d.runroot()},
              {".store.volumePath", d.root() + "/volumes"},
              {".store.containerStore.number", "0"},
              {".store.imageStore.number", "0"},
              {".version.APIVersion", "4.3.1"},
              {".version.Version", "~^[0-9]+\\.[0-9]+"},
              {".version.OsArch", "~^linux/"}});
  if (r.status == 200) {
    auto j = r.json();
    auto want = golden("libpod_info.json");
    check_keys_like(j, want, "libpod info");
    if (want.is_object()) {
      for (const char* section : {"host", "store", "version", "plugins"})
        if (j.contains(section)) check_keys_like(j[section], want[section], std::string("libpod info .") + section);
    }
  }
  // podman's own tests call it without the version prefix too.
  t(d, "GET", "/libpod/info", 200, {{".host.kernel", host_kernel()}});
}

TEST_CASE("the OpenAPI document is served", "[integration][system]") {
  Berthd d;
  t(d, "GET", "/openapi.json", 200, {{".openapi", "~^3\\."}, {".paths|length", "~^[1-9][0-9]*$"}});
}
