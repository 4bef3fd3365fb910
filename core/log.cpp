// stderr logging.
#include "core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>

namespace berth::core::log {
namespace {

std::atomic<Level>& current() {
  static std::atomic<Level> level{Level::info};
  return level;
}

std::string_view name(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      break;
  }
  return "error";
}

void write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::write(STDERR_FILENO, bytes.data(), bytes.size());
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;  // stderr is gone: nothing better to do with a log line
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// Pending debug/info lines and the thread that writes them out.
class Batcher {
 public:
  ~Batcher() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    flush();
  }
  void add(const std::string& line) {
    std::unique_lock lock(mu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    pending_ += line;
    if (pending_.size() >= kMaxPending) {
      std::string out = std::move(pending_);
      pending_.clear();
      lock.unlock();
      write_all(out);
    }
  }
  void flush() {
    std::string out;
    {
      std::lock_guard lock(mu_);
      out.swap(pending_);
    }
    write_all(out);
  }

 private:
  static constexpr size_t kMaxPending = 64 * 1024;
  void run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(100));
      if (pending_.empty()) continue;
      std::string out = std::move(pending_);
      pending_.clear();
      lock.unlock();
      write_all(out);
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;
  bool stop_ = false;
  std::thread thread_;
};

Batcher& batcher() {
  static Batcher b;
  return b;
}

}  // namespace

void flush() { batcher().flush(); }

std::optional<Level> parse_level(std::string_view n) {
  if (n == "debug" || n == "trace") return Level::debug;
  if (n == "info") return Level::info;
  if (n == "warn" || n == "warning") return Level::warn;
  if (n == "error" || n == "fatal" || n == "panic") return Level::error;
  return std::nullopt;
}

void set_level(Level level) { current().store(level); }

bool enabled(Level level) { return level >= current().load(std::memory_order_relaxed); }

void write(Level level, std::string_view message) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string line = stamp;
  line += name(level);
  line += ' ';
  line += message;
  line += '\n';
  if (level <= Level::info) {
    batcher().add(line);
    return;
  }
  batcher().flush();  // keep the order of lines
  write_all(line);
}

}  // namespace berth::core::log
