// berthd: flags -> Config -> Engine -> Router (libpod + compat) -> Daemon. Nothing else.
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "api/routes.hpp"
#include "compat/routes.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "server/daemon.hpp"
#include "server/options.hpp"

int main(int argc, char** argv) {
  using namespace berth;
  ::signal(SIGPIPE, SIG_IGN);
  // glibc gives each thread that allocates its own arena and keeps what was freed there: with a thread per
  // blocking request that tripled the resident size of a daemon holding 1000 containers. Two arenas are enough
  // for two IO threads; an explicit MALLOC_ARENA_MAX still wins.
  if (!std::getenv("MALLOC_ARENA_MAX")) ::mallopt(M_ARENA_MAX, 2);
  try {
    auto cl = parse_command_line(argc, argv);
    if (cl.help) {
      std::fputs(usage().c_str(), stdout);
      return 0;
    }
    if (cl.version) {
      std::printf("berthd version %s (libpod API %s, docker API %s)\n", BERTH_VERSION,
                  http::kLibpodApi.str(true).c_str(), http::kCompatApi.str().c_str());
      return 0;
    }
    auto level = core::log::parse_level(cl.log_level);
    if (!level) core::fail(core::Errc::invalid_argument, "unknown --log-level " + cl.log_level);
    core::log::set_level(*level);

    core::ConfigSources sources;
    sources.extra_config = cl.config_file;
    auto config = core::load_config(sources);
    config.root = cl.root;
    config.runroot = cl.runroot;
    config.service_uris =
        cl.daemon.uris.empty() ? std::vector<std::string>{"unix:///run/podman/podman.sock"} : cl.daemon.uris;
    std::filesystem::create_directories(config.runroot);

    core::Engine engine(std::move(config));
    http::Router router(&engine);
    api::add_libpod_routes(router);
    compat::add_compat_routes(router);

    Daemon daemon(router, cl.daemon);
    std::string where;
    for (auto& e : daemon.endpoints()) where += " " + e;
    core::log::info("berthd " BERTH_VERSION " serving the libpod and docker APIs on" + where);
    int code = daemon.run();
    core::log::info("berthd stopped");
    core::log::flush();
    return code;
  } catch (const core::Error& e) {
    core::log::flush();
    std::fprintf(stderr, "berthd: %s\n", e.message().c_str());
    return 125;
  } catch (const std::exception& e) {
    core::log::flush();
    std::fprintf(stderr, "berthd: %s\n", e.what());
    return 125;
  }
}
