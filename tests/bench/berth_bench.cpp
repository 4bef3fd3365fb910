// berth_bench: a load generator for berthd's API socket (latency, throughput), a bare reference server, and RSS.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

#include "bench.hpp"

namespace berth::bench {

// bench_exec.cpp
int run_exec(const Options& opts);
int run_exec_floor(const Options& opts);

namespace {

constexpr const char* kUsage = R"(usage: berth_bench COMMAND [--option value ...]

  latency     --socket PATH | --tcp HOST:PORT  [--path /_ping] [--requests 10000] [--warmup N]
              [--max-seconds 60] [--timeout-ms 10000]
      One keep-alive connection, sequential GETs; prints min/p50/p90/p99/max/mean in µs.
      Warmup defaults to min(1000, requests/10). Stops at --requests or --max-seconds, whichever first.

  throughput  --socket PATH | --tcp HOST:PORT  [--path /_ping] [--connections 16] [--seconds 5]
              [--depth 1] [--max-requests 100000000] [--timeout-ms 10000]
      One thread and one keep-alive connection each; --depth pipelines that many requests per write.
      Prints req/s (all answers) and ok/s (2xx only), errors, and per-batch latency.

  bare-server --socket PATH | --tcp HOST:PORT  [--mode threads|epoll] [--threads N] [--max-seconds 0]
      A minimal keep-alive HTTP/1.1 server that answers every request "200 OK" with body "OK": a thread per
      connection (threads, the default) or N epoll loops sharing the listener (epoll; --threads, default 1).
      Runs until killed, its parent dies, or --max-seconds elapse (0: no limit).

  cycle       --socket PATH --image NAME [--runs 30] [--clients 1] [--network none] [--timeout-ms 30000]
      Each client (a thread, one keep-alive connection) runs create (`true`) + start + wait + DELETE --runs
      times; prints per-cycle ms (p50, p90, mean) and cycles/s over all clients.

  event-latency --socket PATH --image NAME [--runs 20] [--timeout-ms 30000]
      Follows GET /events?filters={"event":["start"]} on a second connection; per run creates and starts a
      container (`true`) and prints how long after the start reply the start event for it arrived (ms; negative:
      before the reply).

  floor       --config CONFIG_JSON --lower DIR[:DIR...] --dir WORKDIR [--runs 20] [--parallel 1]
      The cycle without berthd: overlay mount, conmon + runc create, runc start, exit file, runc delete,
      unmount, with berthd's core drivers on a config.json berthd generated (its netns path dropped);
      --parallel threads each run --runs cycles; prints p50/p90/mean ms and cycles/s.

  exec        --socket PATH --container NAME [--runs 50] [--warmup 3] [--cmd true] [--timeout-ms 30000]
      Per run, as a client does it: POST /containers/NAME/exec (keep-alive connection), POST /exec/ID/start
      hijacked on a connection of its own and read until the server closes it, GET /exec/ID/json (must say
      ExitCode 0); prints per-exec ms (min/p50/p90/max/mean) and the p50 of each step.

  exec-floor  --runc-root DIR --container ID [--runc /usr/sbin/runc] [--runs 50] [--warmup 3] [--cmd true]
      `runc --root DIR exec ID CMD` spawned and waited for, per run; prints ms as exec does.

  rss         --pid PID
      Prints VmRSS and VmHWM (peak) of the process in MiB.

Non-2xx answers and I/O failures count as errors ("io" in the statuses list).
)";

// VmRSS / VmHWM from /proc/PID/status, in KiB; -1 when absent.
long status_kib(const std::string& status, const char* key) {
  auto at = status.find(key);
  if (at == std::string::npos) return -1;
  return std::atol(status.c_str() + at + std::strlen(key));
}

int run_rss(const Options& opts) {
  long pid = opts.num("pid", 0);
  if (pid <= 0) throw std::invalid_argument("rss needs --pid PID");
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) throw std::runtime_error("no process " + std::to_string(pid));
  std::string status((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  long rss = status_kib(status, "VmRSS:"), hwm = status_kib(status, "VmHWM:");
  std::printf("rss pid=%ld vmrss_mib=%.1f vmhwm_mib=%.1f\n", pid, static_cast<double>(rss) / 1024.0,
              static_cast<double>(hwm) / 1024.0);
  return 0;
}

int dispatch(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "latency")
    return run_latency(
        Options(argc, argv, 2, {"socket", "tcp", "path", "requests", "warmup", "max-seconds", "timeout-ms"}));
  if (cmd == "throughput")
    return run_throughput(Options(
        argc, argv, 2, {"socket", "tcp", "path", "connections", "seconds", "depth", "max-requests", "timeout-ms"}));
  if (cmd == "bare-server")
    return run_bare_server(Options(argc, argv, 2, {"socket", "tcp", "mode", "threads", "max-seconds"}));
  if (cmd == "rss") return run_rss(Options(argc, argv, 2, {"pid"}));
  if (cmd == "cycle")
    return run_cycle(Options(argc, argv, 2, {"socket", "image", "runs", "clients", "network", "timeout-ms"}));
  if (cmd == "floor") return run_floor(Options(argc, argv, 2, {"config", "lower", "dir", "runs", "parallel"}));
  if (cmd == "event-latency")
    return run_event_latency(Options(argc, argv, 2, {"socket", "image", "runs", "timeout-ms"}));
  if (cmd == "exec")
    return run_exec(Options(argc, argv, 2, {"socket", "tcp", "container", "runs", "warmup", "cmd", "timeout-ms"}));
  if (cmd == "exec-floor")
    return run_exec_floor(Options(argc, argv, 2, {"runc-root", "container", "runc", "runs", "warmup", "cmd"}));
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fputs(kUsage, stderr);
  return 2;
}

}  // namespace
}  // namespace berth::bench

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return berth::bench::dispatch(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "berth_bench: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "berth_bench: %s\n", e.what());
    return 1;
  }
}
