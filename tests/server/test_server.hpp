// The real server/net on a temp unix socket with test handlers, and a queue-backed Source for stream tests.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "server/daemon.hpp"
#include "server/http/router.hpp"

namespace berth::test {

class TestServer {
 public:
  explicit TestServer(const std::function<void(http::Router&)>& routes,
                      const std::function<void(DaemonOptions&)>& tweak = {}) {
    core::log::set_level(core::log::Level::warn);  // one line per request would drown the test output
    char tmpl[] = "/tmp/berth-server-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    socket_ = dir_ + "/api.sock";
    routes(router_);
    DaemonOptions opts;
    opts.uris = {"unix://" + socket_};
    opts.handle_signals = false;
    opts.socket_activation = false;
    opts.io_threads = 2;
    opts.workers = 4;
    if (tweak) tweak(opts);
    daemon_ = std::make_unique<Daemon>(router_, opts);
    thread_ = std::thread([this] { exit_code_ = daemon_->run(); });
  }
  ~TestServer() {
    stop();
    std::filesystem::remove_all(dir_);
  }
  // Graceful shutdown; returns run()'s exit code.
  int stop() {
    if (thread_.joinable()) {
      daemon_->shutdown();
      thread_.join();
    }
    return exit_code_;
  }
  // Waits for run() to return by itself (idle exit).
  bool wait_exit(std::chrono::seconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (exit_code_ != -1) {
        thread_.join();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  const std::string& socket() const { return socket_; }
  Daemon& daemon() { return *daemon_; }

 private:
  http::Router router_;
  std::string dir_;
  std::string socket_;
  std::unique_ptr<Daemon> daemon_;
  std::thread thread_;
  std::atomic<int> exit_code_{-1};
};

// Items pushed from any thread; an eventfd says when there may be some.
class QueueSource : public core::streams::Source<core::streams::Chunk> {
 public:
  QueueSource() : efd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~QueueSource() override { ::close(efd_); }
  void push(int stream, std::string data) {
    {
      std::lock_guard l(mu_);
      items_.push_back({stream, std::move(data)});
    }
    signal();
  }
  void finish() {
    {
      std::lock_guard l(mu_);
      done_ = true;
    }
    signal();
  }
  int wait_fd() const override { return efd_; }
  core::streams::Poll next(core::streams::Chunk& out) override {
    std::lock_guard l(mu_);
    if (!items_.empty()) {
      out = std::move(items_.front());
      items_.pop_front();
      return core::streams::Poll::item;
    }
    uint64_t v;
    [[maybe_unused]] auto n = ::read(efd_, &v, sizeof v);  // consume the wake-up
    return done_ ? core::streams::Poll::end : core::streams::Poll::pending;
  }

 private:
  void signal() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(efd_, &one, sizeof one);
  }
  int efd_;
  std::mutex mu_;
  std::deque<core::streams::Chunk> items_;
  bool done_ = false;
};

// A Duplex that echoes stdin to stdout and ends when its input is closed.
class EchoDuplex : public core::streams::Duplex {
 public:
  explicit EchoDuplex(bool tty) : tty_(tty) {}
  int wait_fd() const override { return q_.wait_fd(); }
  core::streams::Poll next(core::streams::Chunk& out) override { return q_.next(out); }
  bool write_input(std::string_view bytes) override {
    if (bytes.find('\x10') != std::string_view::npos) return false;  // ctrl-p: detach
    q_.push(1, std::string(bytes));
    return true;
  }
  void close_input() override { q_.finish(); }
  bool tty() const override { return tty_; }

 private:
  bool tty_;
  QueueSource q_;
};

}  // namespace berth::test
