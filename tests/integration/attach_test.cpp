// Attach through real clients: `docker run` in the foreground (output on the right streams, exit code, --rm, -i
// stdin), `docker start -a`, `podman --remote run`, and the API's attach and resize errors.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "tests/integration/common.hpp"
#include "tests/integration/container_cli.hpp"
#include "tests/integration/registry_clients.hpp"
#include "tests/support/berthd.hpp"

using namespace berth::test;
using namespace berth::test::regcli;
using namespace berth::test::ctrcli;

namespace {

// A hand-made hijacked connection: what the CLIs do, with each byte visible to the test.
class RawAttach {
 public:
  RawAttach(const Berthd& d, const std::string& path, bool upgrade) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, d.socket().c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{.tv_sec = 10, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req = "POST " + path + " HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n";
    if (upgrade) req += "Connection: Upgrade\r\nUpgrade: tcp\r\n";
    send(req + "\r\n");
    // The head ends at the first blank line; anything after it is stream.
    while (buf_.find("\r\n\r\n") == std::string::npos && fill()) {
    }
    auto end = buf_.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
  }
  ~RawAttach() { ::close(fd_); }
  void send(const std::string& bytes) { REQUIRE(::write(fd_, bytes.data(), bytes.size()) == ssize_t(bytes.size())); }
  void half_close() { ::shutdown(fd_, SHUT_WR); }
  // The payload of the next docker mux frame, or nullopt at EOF.
  std::optional<std::pair<int, std::string>> frame() {
    while (buf_.size() < 8 && fill()) {
    }
    if (buf_.size() < 8) return std::nullopt;
    std::size_t len = (std::size_t(std::uint8_t(buf_[4])) << 24) | (std::size_t(std::uint8_t(buf_[5])) << 16) |
                      (std::size_t(std::uint8_t(buf_[6])) << 8) | std::size_t(std::uint8_t(buf_[7]));
    while (buf_.size() < 8 + len && fill()) {
    }
    REQUIRE(buf_.size() >= 8 + len);
    std::pair<int, std::string> out{buf_[0], buf_.substr(8, len)};
    buf_.erase(0, 8 + len);
    return out;
  }
  // Reads raw bytes until `needle` arrived; false at EOF or timeout.
  bool read_until(const std::string& needle) {
    while (buf_.find(needle) == std::string::npos)
      if (!fill()) return false;
    return true;
  }
  // True when the server closed the connection (nothing more arrives).
  bool closed() {
    while (fill()) {
    }
    return eof_;
  }
  std::string head;

 private:
  bool fill() {
    char tmp[4096];
    ssize_t n = ::read(fd_, tmp, sizeof tmp);
    if (n == 0) eof_ = true;
    if (n <= 0) return false;
    buf_.append(tmp, std::size_t(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

}  // namespace

TEST_CASE("docker run in the foreground shows stdout and stderr, exits with the code and --rm removes it",
          "[integration][attach]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  auto r = d.docker({"run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 3);
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK(out_of(d, {"ps", "-a", "-q"}).empty());

  // Without --rm the container stays, exited with its code.
  auto kept = d.docker({"run", "--name", "kept", "busybox", "echo", "hi"});
  CHECK(kept.exit_code == 0);
  CHECK(kept.out == "hi\n");
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "kept"}) == "exited 0");
}

TEST_CASE("docker run -i passes stdin to the container and closes it at EOF", "[integration][attach]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  auto r = docker_stdin(d, {"run", "-i", "--rm", "busybox", "cat"}, {}, "hello\n");
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "hello\n");
  CHECK(out_of(d, {"ps", "-a", "-q"}).empty());
}

TEST_CASE("docker start -a prints a created container's output and returns its code", "[integration][attach]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  out_of(d, {"create", "--name", "later", "busybox", "sh", "-c", "echo from-start; exit 2"});
  auto r = d.docker({"start", "-a", "later"});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 2);
  CHECK(r.out == "from-start\n");
  // An exited container can be started attached again (podman re-initializes it for attach).
  auto again = d.docker({"start", "-a", "later"});
  CHECK(again.exit_code == 2);
  CHECK(again.out == "from-start\n");
}

TEST_CASE("podman --remote run in the foreground prints the output", "[integration][attach]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  write_empty_docker_config(d);
  auto r = d.podman({"run", "--rm", "docker.io/library/busybox", "echo", "hi"});
  INFO(r.describe() << "\n--- berthd log ---\n" << d.log_tail());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "hi\n");
  CHECK(trim(d.podman({"ps", "-a", "-q"}).out).empty());
}

TEST_CASE("attach and resize answer plain errors before any hijack, resize reaches the TTY", "[integration][attach]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  t(d, "POST", "/containers/nope/attach?stream=1&stdout=1", 404);
  t(d, "POST", "/libpod/containers/nope/attach", 404);
  out_of(d, {"create", "--name", "box", "busybox", "true"});
  t(d, "POST", "/containers/box/attach?stream=0&logs=0", 400);
  t(d, "POST", "/containers/box/attach?detachKeys=ctrl-%3F", 400);
  t(d, "POST", "/containers/box/resize?h=40&w=100", 409);

  // A TTY starts at 0x0: resized while the shell sleeps, stty then reports the new size.
  out_of(d, {"run", "-d", "-t", "--name", "tty", "busybox", "sh", "-c", "sleep 1; stty size; sleep 100"});
  t(d, "POST", "/containers/tty/resize?h=40&w=100", 200);
  t(d, "POST", "/libpod/containers/tty/resize?h=40&w=100", 200);
  std::string logs;
  for (int i = 0; i < 60 && logs.find("40 100") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    logs = d.docker({"logs", "tty"}).out;
  }
  CHECK(logs.find("40 100") != std::string::npos);
  out_of(d, {"rm", "-f", "tty"});
}

TEST_CASE("attach before start carries stdin and output, logs replay, detach keys leave it running",
          "[integration][attach]") {
  Berthd d;
  TempDir tmp;
  import_busybox(d, tmp);
  out_of(d, {"create", "-i", "--name", "cat", "busybox", "cat"});
  {
    RawAttach a(d, "/containers/cat/attach?stream=1&stdin=1&stdout=1&stderr=1", /*upgrade=*/true);
    CHECK(a.head.rfind("HTTP/1.1 101 UPGRADED\r\n", 0) == 0);
    CHECK(a.head.find("Content-Type: application/vnd.docker.raw-stream") != std::string::npos);
    t(d, "POST", "/containers/cat/start", 204);
    a.send("ping\n");
    auto f = a.frame();
    REQUIRE(f);
    CHECK(f->first == 1);
    CHECK(f->second == "ping\n");
    {
      // No upgrade asked: 200, the log replayed as frames, then the end (stream=0).
      RawAttach logs(d, "/v1.41/containers/cat/attach?logs=1&stream=0&stdout=1", /*upgrade=*/false);
      CHECK(logs.head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
      auto l = logs.frame();
      REQUIRE(l);
      CHECK(l->second == "ping\n");
      CHECK_FALSE(logs.frame());
    }
    a.send(
        "\x18"
        "b\n");  // not the default detach keys: plain data
    f = a.frame();
    REQUIRE(f);
    CHECK(f->second ==
          "\x18"
          "b\n");
    // A half-close ends the container's stdin: cat exits and the stream ends.
    a.half_close();
    CHECK(a.closed());
  }
  // The stream can end a moment before the exit is recorded: wait for it as a client would.
  CHECK(out_of(d, {"wait", "cat"}) == "0");
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "cat"}) == "exited 0");

  // A TTY: raw output, and docker's key syntax for custom detach keys, which end the attach but not the shell.
  out_of(d, {"create", "-i", "-t", "--name", "tsh", "busybox", "sh"});
  {
    RawAttach a(d, "/v4.3.1/libpod/containers/tsh/attach?stdin=1&stdout=1&detachKeys=ctrl-x,a", /*upgrade=*/true);
    CHECK(a.head.rfind("HTTP/1.1 101 UPGRADED\r\n", 0) == 0);
    t(d, "POST", "/libpod/containers/tsh/start", 204);
    a.send("echo a$((1+1))\n");
    CHECK(a.read_until("a2\r\n"));
    a.send(
        "\x18"
        "a");
    CHECK(a.closed());
  }
  CHECK(out_of(d, {"inspect", "-f", "{{.State.Status}}", "tsh"}) == "running");
  out_of(d, {"rm", "-f", "cat", "tsh"});
}
