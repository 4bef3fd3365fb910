// Daemon: listeners, accept loops, IO threads, signals, idle exit and graceful shutdown.
#include "server/daemon.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include "core/error.hpp"
#include "core/log.hpp"
#include "server/net/beast_pch.hpp"
#include "server/net/connection_tracker.hpp"
#include "server/net/listen_address.hpp"
#include "server/net/session.hpp"
#include "server/net/tls.hpp"

namespace berth {
namespace {

namespace asio = boost::asio;
using asio::as_tuple;
using asio::use_awaitable;
using UnixAcceptor = asio::local::stream_protocol::acceptor;
using TcpAcceptor = asio::ip::tcp::acceptor;

// A socket file left by a previous run is removed; one that a live server answers on is not ours to take.
void prepare_unix_path(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (!S_ISSOCK(st.st_mode))
    core::fail(core::Errc::conflict, path + " exists and is not a socket", "cannot listen on unix://" + path);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  if (live)
    core::fail(core::Errc::conflict, "another server is answering on " + path, "cannot listen on unix://" + path);
  ::unlink(path.c_str());
}

int socket_family(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  return ss.ss_family;
}

}  // namespace

struct Daemon::Impl {
  Impl(const http::Router& r, DaemonOptions o)
      : router(r),
        opts(std::move(o)),
        pool(static_cast<std::size_t>(std::max(1, opts.workers))),
        ctx{router, pool, opts.limits, tracker},
        ios(make_io_contexts(opts.io_threads)),
        io(*ios.front()),
        signals(io),
        idle_timer(io),
        drain_timer(io) {}

  const http::Router& router;
  DaemonOptions opts;
  asio::thread_pool pool;
  net::ConnectionTracker tracker;
  net::SessionContext ctx;
  std::optional<asio::ssl::context> tls;
  // One single-threaded io_context per IO thread: a connection lives on one of them, so its handlers never hop
  // between threads and need no strand. The first also runs the acceptors, signals and timers.
  std::vector<std::unique_ptr<asio::io_context>> ios;
  asio::io_context& io;
  std::size_t next_io = 0;
  // Declared after the io_contexts: destroyed before them.
  std::vector<std::unique_ptr<UnixAcceptor>> unix_acceptors;
  std::vector<std::unique_ptr<TcpAcceptor>> tcp_acceptors;
  std::vector<std::string> unix_paths;  // socket files we created and remove at exit
  std::vector<std::string> endpoints;
  asio::signal_set signals;
  asio::steady_timer idle_timer;
  asio::steady_timer drain_timer;
  std::atomic<bool> shutting_down{false};

  static std::vector<std::unique_ptr<asio::io_context>> make_io_contexts(int threads) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < std::max(1, threads); ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }

  // Round robin over the IO threads (accept loops run on ios[0] only, so no lock).
  asio::any_io_executor pick_executor() { return ios[next_io++ % ios.size()]->get_executor(); }

  void stop_all() {
    for (auto& c : ios) c->stop();
  }

  void listen_unix(const net::ListenAddress& a) {
    prepare_unix_path(a.path);
    auto acc = std::make_unique<UnixAcceptor>(io);
    boost::system::error_code ec;
    acc->open(asio::local::stream_protocol(), ec);
    if (!ec) acc->bind(asio::local::stream_protocol::endpoint(a.path), ec);
    if (ec) core::fail(core::Errc::internal, ec.message(), "cannot listen on " + a.uri);
    unix_paths.push_back(a.path);
    ::chmod(a.path.c_str(), 0660);
    acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) core::fail(core::Errc::internal, ec.message(), "cannot listen on " + a.uri);
    unix_acceptors.push_back(std::move(acc));
    endpoints.push_back(a.uri);
  }

  void listen_tcp(const net::ListenAddress& a) {
    asio::ip::tcp::resolver resolver(io);
    boost::system::error_code ec;
    auto results = resolver.resolve(a.host.empty() ? "0.0.0.0" : a.host, a.port, asio::ip::resolver_base::passive, ec);
    if (ec || results.empty()) core::fail(core::Errc::invalid_argument, ec.message(), "cannot resolve " + a.uri);
    auto ep = results.begin()->endpoint();
    auto acc = std::make_unique<TcpAcceptor>(io);
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) core::fail(core::Errc::internal, ec.message(), "cannot listen on " + a.uri);
    auto bound = acc->local_endpoint();
    std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
    endpoints.push_back("tcp://" + host + ":" + std::to_string(bound.port()));
    if (!opts.tls.enabled() && !a.loopback())
      core::log::warn("listening on " + a.uri +
                      " without TLS: anyone who can reach it has root on this host (use --tls-cert/--tls-key)");
    tcp_acceptors.push_back(std::move(acc));
  }

  // systemd socket activation: fds 3.. when LISTEN_PID is ours. Returns false when not activated.
  bool adopt_activated() {
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    if (!pid || !fds || std::atoi(pid) != ::getpid()) return false;
    int n = std::atoi(fds);
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    for (int fd = 3; fd < 3 + n; ++fd) {
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      int family = socket_family(fd);
      boost::system::error_code ec;
      if (family == AF_UNIX) {
        auto acc = std::make_unique<UnixAcceptor>(io);
        acc->assign(asio::local::stream_protocol(), fd, ec);
        if (!ec) endpoints.push_back("unix://" + acc->local_endpoint().path());
        if (!ec) unix_acceptors.push_back(std::move(acc));
      } else if (family == AF_INET || family == AF_INET6) {
        auto acc = std::make_unique<TcpAcceptor>(io);
        acc->assign(family == AF_INET ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), fd, ec);
        if (!ec)
          endpoints.push_back("tcp://" + acc->local_endpoint().address().to_string() + ":" +
                              std::to_string(acc->local_endpoint().port()));
        if (!ec) tcp_acceptors.push_back(std::move(acc));
      } else {
        core::log::warn("socket activation: fd " + std::to_string(fd) + " is not a unix or tcp socket; ignored");
      }
      if (ec) core::fail(core::Errc::internal, ec.message(), "socket activation fd " + std::to_string(fd));
    }
    return n > 0;
  }

  // Accepts until the acceptor closes; each connection goes to the next IO thread.
  template <class Acceptor>
  asio::awaitable<void> accept_loop(Acceptor& acc) {
    for (;;) {
      auto [ec, sock] = co_await acc.async_accept(pick_executor(), as_tuple(use_awaitable));
      if (ec) {
        if (!acc.is_open() || ec == asio::error::operation_aborted) co_return;
        co_await pause_after_accept_error(ec);
        continue;
      }
      auto ex = sock.get_executor();
      if constexpr (std::is_same_v<Acceptor, TcpAcceptor>) {
        if (tls) {
          asio::co_spawn(ex, net::serve(net::TlsStream(std::move(sock), *tls), ctx), asio::detached);
          continue;
        }
      }
      asio::co_spawn(ex, net::serve(std::move(sock), ctx), asio::detached);
    }
  }

  // EMFILE and friends: back off instead of spinning.
  asio::awaitable<void> pause_after_accept_error(const boost::system::error_code& ec) {
    core::log::warn("accept: " + ec.message());
    asio::steady_timer t(io, std::chrono::milliseconds(100));
    co_await t.async_wait(as_tuple(use_awaitable));
  }

  void on_count_change(std::size_t count) {
    asio::post(io, [this, count] {
      if (shutting_down) {
        if (count == 0) stop_all();
        return;
      }
      if (opts.idle_exit.count() <= 0) return;
      if (count == 0) {
        idle_timer.expires_after(opts.idle_exit);
        idle_timer.async_wait([this](boost::system::error_code ec) {
          if (!ec && tracker.count() == 0) {
            core::log::info("no connections for " + std::to_string(opts.idle_exit.count()) + "s: exiting");
            begin_shutdown();
          }
        });
      } else {
        idle_timer.cancel();
      }
    });
  }

  // Runs on the io_context.
  void begin_shutdown() {
    if (shutting_down.exchange(true)) return;
    boost::system::error_code ignored;
    for (auto& a : unix_acceptors) a->close(ignored);
    for (auto& a : tcp_acceptors) a->close(ignored);
    remove_socket_files();
    signals.cancel(ignored);
    idle_timer.cancel();
    tracker.drain();
    if (tracker.count() == 0) {
      stop_all();
      return;
    }
    drain_timer.expires_after(opts.limits.drain_timeout);
    drain_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      core::log::warn(std::to_string(tracker.count()) + " connection(s) still busy after drain timeout; exiting");
      stop_all();
    });
  }

  void remove_socket_files() {
    for (auto& p : unix_paths) ::unlink(p.c_str());
    unix_paths.clear();
  }
};

namespace {

// As podman's service: with an idle exit of N seconds, keep-alive connections that sit idle are closed after 2N,
// so a client that keeps one open does not keep the service alive for ever.
DaemonOptions with_idle_limits(DaemonOptions o) {
  if (o.idle_exit.count() > 0) o.limits.idle_timeout = std::min(o.limits.idle_timeout, 2 * o.idle_exit);
  return o;
}

}  // namespace

Daemon::Daemon(const http::Router& router, DaemonOptions options)
    : impl_(std::make_unique<Impl>(router, with_idle_limits(std::move(options)))) {
  auto& d = *impl_;
  if (d.opts.tls.enabled()) d.tls.emplace(net::make_tls_context(d.opts.tls));
  bool activated = d.opts.socket_activation && d.adopt_activated();
  if (!activated) {
    auto uris = d.opts.uris;
    if (uris.empty()) uris.push_back("unix:///run/podman/podman.sock");
    for (auto& uri : uris) {
      auto a = net::parse_listen_uri(uri);
      if (a.kind == net::ListenAddress::Kind::unix_socket)
        d.listen_unix(a);
      else
        d.listen_tcp(a);
    }
  }
  d.tracker.on_count_change([&d](std::size_t count) { d.on_count_change(count); });
}

Daemon::~Daemon() {
  if (impl_) impl_->remove_socket_files();
}

int Daemon::run() {
  auto& d = *impl_;
  for (auto& a : d.unix_acceptors) asio::co_spawn(d.io, d.accept_loop(*a), asio::detached);
  for (auto& a : d.tcp_acceptors) asio::co_spawn(d.io, d.accept_loop(*a), asio::detached);
  if (d.opts.handle_signals) {
    d.signals.add(SIGTERM);
    d.signals.add(SIGINT);
    d.signals.async_wait([&d](boost::system::error_code ec, int sig) {
      if (ec) return;
      core::log::info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": shutting down");
      d.begin_shutdown();
    });
  }
  d.on_count_change(0);  // start the idle-exit clock
  // The other IO threads have no work until a connection lands on them: keep them running until stop_all().
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : d.ios) guards.push_back(asio::make_work_guard(*c));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < d.ios.size(); ++i) threads.emplace_back([c = d.ios[i].get()] { c->run(); });
  d.ios.front()->run();
  d.stop_all();
  for (auto& t : threads) t.join();
  d.remove_socket_files();
  d.pool.join();
  return 0;
}

void Daemon::shutdown() {
  asio::post(impl_->io, [d = impl_.get()] { d->begin_shutdown(); });
}

std::vector<std::string> Daemon::endpoints() const { return impl_->endpoints; }

}  // namespace berth
