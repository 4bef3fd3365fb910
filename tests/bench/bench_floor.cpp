// berth_bench floor: the container cycle with nothing of berthd's around it — overlay mount, conmon + `runc
// create`, `runc start`, the exit file, `runc delete`, unmount — driven by the same core drivers berthd uses,
// on the config.json berthd generated. The API cycle is judged against this.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "core/drivers/monitor.hpp"
#include "core/drivers/mounter.hpp"
#include "core/drivers/oci_runtime.hpp"
#include "core/sys/cgroup.hpp"

namespace berth::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

std::string random_id() {
  static std::mt19937_64 rng(std::random_device{}());
  static const char* hex = "0123456789abcdef";
  std::string id(64, '0');
  for (auto& c : id) c = hex[rng() % 16];
  return id;
}

}  // namespace

int run_floor(const Options& opts) {
  std::string config_path = opts.str("config", ""), lowers = opts.str("lower", ""), dir = opts.str("dir", "");
  if (config_path.empty() || lowers.empty() || dir.empty())
    throw std::invalid_argument("floor needs --config CONFIG_JSON --lower DIR[:DIR...] --dir WORKDIR");
  long runs = opts.num("runs", 20);
  nlohmann::json base;
  {
    std::ifstream in(config_path);
    if (!in) throw std::runtime_error("cannot read " + config_path);
    in >> base;
  }
  // Its own network namespace from runc (berthd's engine-made one is a path that will be gone), and a cgroup of
  // its own.
  for (auto& ns : base["linux"]["namespaces"])
    if (ns.contains("path")) ns.erase("path");
  base["process"]["terminal"] = false;
  std::filesystem::create_directories(dir + "/exits");
  core::drivers::Runc runc("/usr/sbin/runc", dir + "/runc");
  core::drivers::Conmon conmon("/usr/bin/conmon", "/usr/sbin/runc", dir + "/runc");
  core::drivers::OverlayMounter mounter;
  auto lower_dirs = split(lowers, ':');

  long parallel = std::max(1L, opts.num("parallel", 1));
  std::vector<double> cycles;
  std::mutex mutex;
  std::string failure;
  auto one = [&] {
    std::string id = random_id();
    std::string c = dir + "/" + id.substr(0, 12);
    for (const auto* sub : {"/upper", "/work", "/merged", "/bundle", "/persist"})
      std::filesystem::create_directories(c + sub);
    auto t0 = Clock::now();
    mounter.mount(lower_dirs, c + "/upper", c + "/work", c + "/merged");
    nlohmann::json cfg = base;
    cfg["root"]["path"] = c + "/merged";
    cfg["linux"]["cgroupsPath"] = "/berth-floor/" + id;
    std::ofstream(c + "/bundle/config.json") << cfg.dump();
    conmon.create({.id = id,
                   .name = id.substr(0, 12),
                   .bundle = c + "/bundle",
                   .pid_file = c + "/bundle/pidfile",
                   .conmon_pid_file = c + "/bundle/conmon.pid",
                   .exit_dir = dir + "/exits",
                   .persist_dir = c + "/persist",
                   .log_driver = "k8s-file",
                   .log_path = c + "/ctr.log"});
    runc.start(id);
    std::string exit_file = dir + "/exits/" + id;
    while (!std::filesystem::exists(exit_file)) std::this_thread::sleep_for(std::chrono::microseconds(250));
    runc.remove(id, true);
    mounter.unmount(c + "/merged");
    core::sys::remove_cgroup("/berth-floor/" + id);
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::filesystem::remove(exit_file);
    std::filesystem::remove_all(c);
    std::lock_guard lock(mutex);
    cycles.push_back(ms);
  };
  auto wall0 = Clock::now();
  std::vector<std::thread> threads;
  for (long t = 0; t < parallel; ++t)
    threads.emplace_back([&] {
      try {
        for (long i = 0; i < runs; ++i) one();
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        failure = e.what();
      }
    });
  for (auto& t : threads) t.join();
  double wall = std::chrono::duration<double, std::milli>(Clock::now() - wall0).count();
  if (!failure.empty()) throw std::runtime_error(failure);
  std::sort(cycles.begin(), cycles.end());
  double sum = 0;
  for (double v : cycles) sum += v;
  std::printf("floor parallel=%ld cycles=%zu p50_ms=%.1f p90_ms=%.1f mean_ms=%.1f cycles_per_s=%.2f\n", parallel,
              cycles.size(), cycles[cycles.size() / 2], cycles[(cycles.size() * 9) / 10],
              sum / static_cast<double>(cycles.size()), static_cast<double>(cycles.size()) * 1000.0 / wall);
  return 0;
}

}  // namespace berth::bench
