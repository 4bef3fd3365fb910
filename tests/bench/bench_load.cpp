// berth_bench's load: `latency` (one keep-alive connection, sequential) and `throughput` (N connections, N threads).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench.hpp"

namespace berth::bench {
namespace {

using Clock = std::chrono::steady_clock;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// Nearest-rank percentile of sorted samples (µs).
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// "min_us=.. p50_us=.. p90_us=.. p99_us=.. max_us=.. mean_us=..", each key with `prefix`.
std::string summary(std::vector<double>& samples, const char* prefix = "") {
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (double s : samples) sum += s;
  const double values[] = {samples.empty() ? 0 : samples.front(),
                           percentile(samples, 50),
                           percentile(samples, 90),
                           percentile(samples, 99),
                           samples.empty() ? 0 : samples.back(),
                           samples.empty() ? 0 : sum / static_cast<double>(samples.size())};
  const char* names[] = {"min", "p50", "p90", "p99", "max", "mean"};
  std::string out;
  for (std::size_t i = 0; i < std::size(names); ++i) {
    char item[64];
    std::snprintf(item, sizeof item, "%s%s%s_us=%.1f", i ? " " : "", prefix, names[i], values[i]);
    out += item;
  }
  return out;
}

// A connection that reconnects when the server closed it or it failed; `get` returns the connection or throws.
class Client {
 public:
  Client(Target target, std::chrono::milliseconds timeout) : target_(std::move(target)), timeout_(timeout) {}
  Connection& get() {
    if (!conn_) conn_ = std::make_unique<Connection>(target_, timeout_);
    return *conn_;
  }
  void drop() { conn_.reset(); }

 private:
  Target target_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> conn_;
};

// Sends `depth` pipelined requests and reads the answers; records statuses (0: I/O failure, one per request
// unanswered). Returns false when the connection failed.
bool exchange(Client& client, std::string_view requests, int depth, StatusCounts& statuses, std::string& last_error) {
  int answered = 0;
  bool failed = false;
  try {
    auto& conn = client.get();
    conn.send_all(requests);
    bool keep = true;
    for (; answered < depth && keep; ++answered) {
      auto info = conn.read_response();
      ++statuses[info.status];
      keep = info.keep_alive;
    }
    if (!keep) client.drop();
  } catch (const std::exception& e) {
    last_error = e.what();
    client.drop();
    failed = true;
  }
  if (answered < depth) statuses[0] += static_cast<std::uint64_t>(depth - answered);
  return !failed;
}

std::uint64_t errors_in(const StatusCounts& statuses) {
  std::uint64_t n = 0;
  for (auto& [status, count] : statuses)
    if (!is_success(status)) n += count;
  return n;
}

}  // namespace

int run_latency(const Options& opts) {
  auto target = opts.target();
  auto path = opts.str("path", "/_ping");
  auto requests = opts.num("requests", 10000);
  auto warmup = opts.num("warmup", std::min<long>(1000, requests / 10));
  auto limit = std::chrono::duration<double>(opts.real("max-seconds", 60));
  std::chrono::milliseconds timeout(opts.num("timeout-ms", 10000));

  Client client(target, timeout);
  auto request = make_get(path);
  StatusCounts statuses, warm_statuses;
  std::string last_error;
  for (long i = 0; i < warmup; ++i) exchange(client, request, 1, warm_statuses, last_error);

  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(requests));
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(limit);
  for (long i = 0; i < requests && Clock::now() < deadline; ++i) {
    auto t0 = Clock::now();
    exchange(client, request, 1, statuses, last_error);
    samples.push_back(micros(Clock::now() - t0));
  }
  bool cut = static_cast<long>(samples.size()) < requests;
  std::printf("latency target=%s path=%s requests=%zu%s errors=%llu statuses=%s %s\n", target.describe().c_str(),
              path.c_str(), samples.size(), cut ? " (cut by --max-seconds)" : "",
              static_cast<unsigned long long>(errors_in(statuses)), format_statuses(statuses).c_str(),
              summary(samples).c_str());
  if (!last_error.empty()) std::printf("  last error: %s\n", last_error.c_str());
  return 0;
}

int run_throughput(const Options& opts) {
  auto target = opts.target();
  auto path = opts.str("path", "/_ping");
  int connections = static_cast<int>(std::max(1L, opts.num("connections", 16)));
  int depth = static_cast<int>(std::max(1L, opts.num("depth", 1)));
  double seconds = opts.real("seconds", 5);
  auto max_requests = static_cast<std::uint64_t>(opts.num("max-requests", 100'000'000));
  std::chrono::milliseconds timeout(opts.num("timeout-ms", 10000));

  std::string requests;
  for (int i = 0; i < depth; ++i) requests += make_get(path);
  auto per_thread = std::max<std::uint64_t>(1, max_requests / static_cast<std::uint64_t>(connections));

  struct Worker {
    StatusCounts statuses;
    std::vector<double> samples;  // per exchange (a batch of `depth` requests), µs
    std::string last_error;
    Clock::time_point end;
  };
  std::vector<Worker> workers(static_cast<std::size_t>(connections));
  std::latch ready(connections + 1);
  std::atomic<bool> go{false};
  Clock::time_point start, deadline;
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&, &w = w] {
      Client client(target, timeout);
      try {
        client.get();  // connect before the clock starts
      } catch (const std::exception& e) {
        w.last_error = e.what();
      }
      w.samples.reserve(1 << 16);
      ready.count_down();
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::uint64_t sent = 0;
      for (auto now = Clock::now(); now < deadline && sent < per_thread; sent += static_cast<std::uint64_t>(depth)) {
        bool up = exchange(client, requests, depth, w.statuses, w.last_error);
        auto after = Clock::now();
        w.samples.push_back(micros(after - now));
        now = after;
        // A refused connect must not spin: back off a little before the next try.
        if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      w.end = Clock::now();
    });
  }
  ready.arrive_and_wait();
  start = Clock::now();
  deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();

  StatusCounts total;
  std::vector<double> samples;
  Clock::time_point end = start;
  std::string last_error;
  for (auto& w : workers) {
    for (auto& [status, n] : w.statuses) total[status] += n;
    samples.insert(samples.end(), w.samples.begin(), w.samples.end());
    end = std::max(end, w.end);
    if (!w.last_error.empty()) last_error = w.last_error;
  }
  std::uint64_t done = 0;
  for (auto& [status, n] : total) done += n;
  double elapsed = std::chrono::duration<double>(end - start).count();
  std::uint64_t errors = errors_in(total);
  std::printf(
      "throughput target=%s path=%s connections=%d depth=%d seconds=%.2f requests=%llu errors=%llu "
      "statuses=%s req_per_s=%.0f ok_per_s=%.0f %s\n",
      target.describe().c_str(), path.c_str(), connections, depth, elapsed, static_cast<unsigned long long>(done),
      static_cast<unsigned long long>(errors), format_statuses(total).c_str(),
      elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0,
      elapsed > 0 ? static_cast<double>(done - errors) / elapsed : 0.0, summary(samples, "batch_").c_str());
  if (!last_error.empty()) std::printf("  last error: %s\n", last_error.c_str());
  return 0;
}

}  // namespace berth::bench
