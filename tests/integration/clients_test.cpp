// The real clients against berthd: docker CLI 28 (negotiating down to API 1.41) and podman --remote 4.3.1.
#include <catch2/catch.hpp>
#include <regex>

#include "tests/integration/common.hpp"

using namespace berth::test;

namespace {

// The text after `marker` (e.g. the "Server:" section of `docker version`); empty when it is absent.
std::string section_after(const std::string& text, const std::string& marker) {
  auto at = text.find(marker);
  return at == std::string::npos ? std::string() : text.substr(at);
}

}  // namespace

TEST_CASE("docker version negotiates API 1.41", "[integration][docker]") {
  Berthd d;
  auto r = d.docker({"version"});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 0);
  auto server = section_after(r.out, "Server:");
  CHECK(!server.empty());
  // The engine part of the Server section: "API version:  1.41 (minimum version 1.24)".
  CHECK(std::regex_search(server, std::regex("API version:\\s+1\\.41")));
  // The client says it downgraded from its own newer version.
  CHECK(std::regex_search(r.out, std::regex("API version:\\s+1\\.41 \\(downgraded from")));

  auto f = d.docker({"version", "--format", "{{.Server.APIVersion}}"});
  INFO(f.describe());
  CHECK(f.exit_code == 0);
  CHECK(f.out == "1.41\n");
}

TEST_CASE("docker info shows this host's kernel", "[integration][docker]") {
  Berthd d;
  auto f = d.docker({"info", "--format", "{{.KernelVersion}}"});
  INFO(f.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(f.exit_code == 0);
  CHECK(f.out == host_kernel() + "\n");

  auto r = d.docker({"info"});
  INFO(r.describe());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ERROR") == std::string::npos);
  CHECK(r.err.find("ERROR") == std::string::npos);
  CHECK(r.out.find("Kernel Version: " + host_kernel()) != std::string::npos);
  CHECK(r.out.find("OSType: linux") != std::string::npos);
}

TEST_CASE("podman --remote version shows the server", "[integration][podman]") {
  Berthd d;
  auto r = d.podman({"version"});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 0);
  auto server = section_after(r.out, "Server:");
  CHECK(!server.empty());
  CHECK(std::regex_search(server, std::regex("Version:\\s+[0-9]+\\.[0-9]+")));
  CHECK(std::regex_search(server, std::regex("API Version:\\s+4\\.3\\.1")));
}

TEST_CASE("podman --remote info shows this host's kernel", "[integration][podman]") {
  Berthd d;
  auto f = d.podman({"info", "--format", "{{.Host.Kernel}}"});
  INFO(f.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(f.exit_code == 0);
  CHECK(f.out == host_kernel() + "\n");

  auto r = d.podman({"info"});
  INFO(r.describe());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("graphRoot: " + d.root()) != std::string::npos);
  CHECK(r.out.find("serviceIsRemote: true") != std::string::npos);
}
