// berth_bench cycle and event-latency: the container lifecycle through the API, timed by a client that costs
// nothing per request (curl would add a process spawn to every step).
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"

namespace berth::bench {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string request(std::string_view method, std::string_view path, std::string_view body = {}) {
  std::string r(method);
  r += ' ';
  r += path;
  r += " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: berth-bench\r\n";
  if (!body.empty() || method == "POST") {
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  r += "\r\n";
  r += body;
  return r;
}

// One exchange on a keep-alive connection; the body is returned, a status other than `want` throws.
std::string call(Connection& c, std::string_view method, std::string_view path, int want, std::string_view body = {}) {
  std::string out;
  c.keep_bodies(&out);
  c.send_all(request(method, path, body));
  auto info = c.read_response();
  c.keep_bodies(nullptr);
  if (info.status != want)
    throw std::runtime_error(std::string(method) + " " + std::string(path) + ": " + std::to_string(info.status) + " " +
                             out.substr(0, 300));
  return out;
}

std::string id_of(const std::string& created) {
  auto at = created.find("\"Id\":\"");
  if (at == std::string::npos) throw std::runtime_error("no Id in " + created.substr(0, 200));
  return created.substr(at + 6, 64);
}

std::string create_body(const std::string& image, const std::string& network) {
  return R"({"Image":")" + image + R"(","Cmd":["true"],"HostConfig":{"NetworkMode":")" + network + R"("}})";
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int run_cycle(const Options& opts) {
  Target target = opts.target();
  std::string image = opts.str("image", "");
  if (image.empty()) throw std::invalid_argument("cycle needs --image NAME");
  long runs = opts.num("runs", 30), clients = std::max(1L, opts.num("clients", 1));
  std::string body = create_body(image, opts.str("network", "none"));
  auto timeout = std::chrono::milliseconds(opts.num("timeout-ms", 30000));

  std::mutex mutex;
  std::vector<double> cycles;
  std::string failure;
  std::vector<std::thread> threads;
  auto t0 = Clock::now();
  for (long t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      try {
        Connection c(target, timeout);
        for (long i = 0; i < runs; ++i) {
          auto a = Clock::now();
          std::string id = id_of(call(c, "POST", "/v1.41/containers/create", 201, body));
          call(c, "POST", "/v1.41/containers/" + id + "/start", 204);
          call(c, "POST", "/v1.41/containers/" + id + "/wait", 200);
          call(c, "DELETE", "/v1.41/containers/" + id, 204);
          double ms = ms_between(a, Clock::now());
          std::lock_guard lock(mutex);
          cycles.push_back(ms);
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        failure = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  double wall = ms_between(t0, Clock::now());
  if (!failure.empty()) throw std::runtime_error(failure);
  double sum = 0;
  for (double v : cycles) sum += v;
  std::printf("cycle clients=%ld cycles=%zu p50_ms=%.1f p90_ms=%.1f mean_ms=%.1f cycles_per_s=%.2f\n", clients,
              cycles.size(), percentile(cycles, 0.5), percentile(cycles, 0.9),
              cycles.empty() ? 0.0 : sum / static_cast<double>(cycles.size()),
              static_cast<double>(cycles.size()) * 1000.0 / wall);
  return 0;
}

int run_event_latency(const Options& opts) {
  Target target = opts.target();
  std::string image = opts.str("image", "");
  if (image.empty()) throw std::invalid_argument("event-latency needs --image NAME");
  long runs = opts.num("runs", 20);
  auto timeout = std::chrono::milliseconds(opts.num("timeout-ms", 30000));
  std::string body = create_body(image, "none");

  // The events stream: its bytes are scanned for each container's id after a start event.
  Connection events(target, timeout);
  events.send_all(request("GET", "/v1.41/events?filters=%7B%22event%22%3A%5B%22start%22%5D%7D"));
  std::string seen;
  auto wait_for = [&](const std::string& id) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      if (seen.find(id) != std::string::npos) return Clock::now();
      if (Clock::now() > deadline) throw std::runtime_error("no start event for " + id);
      pollfd p{events.fd(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(events.fd(), buf, sizeof buf, 0);
      if (n <= 0) throw std::runtime_error("the events stream ended");
      seen.append(buf, static_cast<std::size_t>(n));
    }
  };

  Connection c(target, timeout);
  std::vector<double> lat;
  for (long i = 0; i < runs; ++i) {
    std::string id = id_of(call(c, "POST", "/v1.41/containers/create", 201, body));
    call(c, "POST", "/v1.41/containers/" + id + "/start", 204);
    auto replied = Clock::now();
    // An event already read before the reply counts as 0: it was there first.
    bool early = seen.find(id) != std::string::npos;
    auto got = wait_for(id);
    lat.push_back(early ? 0.0 : ms_between(replied, got));
    call(c, "POST", "/v1.41/containers/" + id + "/wait", 200);
    call(c, "DELETE", "/v1.41/containers/" + id, 204);
  }
  std::printf("event-latency runs=%zu p50_ms=%.2f p90_ms=%.2f max_ms=%.2f\n", lat.size(), percentile(lat, 0.5),
              percentile(lat, 0.9), percentile(lat, 1.0));
  return 0;
}

}  // namespace berth::bench
