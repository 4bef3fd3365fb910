// berth_bench's shared pieces: socket targets, a keep-alive HTTP/1.1 client connection, and the subcommands.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace berth::bench {

// Where to connect or listen: a unix socket path, or tcp host:port when `tcp` is set.
struct Target {
  std::string unix_path;
  std::string host;
  int port = 0;
  bool tcp = false;
  std::string describe() const;
};

// One parsed response: the status and how many body bytes it carried (the body itself is skipped).
struct ResponseInfo {
  int status = 0;
  std::size_t body_bytes = 0;
  bool keep_alive = true;  // false: the server said Connection: close, or the body ran to EOF
};

// One client connection with its own read buffer. Errors (connect, I/O, timeout, malformed) throw
// std::runtime_error; the socket has a receive/send timeout so nothing blocks forever.
class Connection {
 public:
  Connection(const Target& target, std::chrono::milliseconds timeout);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  void send_all(std::string_view bytes);
  // Reads exactly one response: Content-Length, chunked (extensions and trailers skipped), or until close.
  ResponseInfo read_response();
  // From now on, bodies read are appended here (null: skipped, the default).
  void keep_bodies(std::string* sink) { sink_ = sink; }
  int fd() const { return fd_; }

 private:
  bool fill();  // false on EOF
  std::string_view buffered() const { return std::string_view(buf_.data() + pos_, end_ - pos_); }
  void consume(std::size_t n);
  std::size_t need_line();  // returns the offset of "\r\n" within buffered(), reading more as needed
  void skip_body_bytes(std::size_t n);
  std::size_t skip_chunked();
  std::size_t skip_to_eof();

  int fd_ = -1;
  std::vector<char> buf_;  // bytes [pos_, end_) are read and not yet parsed; never zero-filled per read
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::string* sink_ = nullptr;
};

// A GET request with the headers every client sends.
std::string make_get(std::string_view path);

// Counts of status codes, printed as "200x1000,404x3".
using StatusCounts = std::map<int, std::uint64_t>;
std::string format_statuses(const StatusCounts& counts);
inline bool is_success(int status) { return status >= 200 && status < 300; }

// Command-line options of one subcommand: --key value pairs.
class Options {
 public:
  // Throws std::invalid_argument for a key not in `allowed` or a key without a value.
  Options(int argc, char** argv, int first, std::initializer_list<std::string_view> allowed);
  std::string str(const std::string& key, const std::string& fallback) const;
  long num(const std::string& key, long fallback) const;
  double real(const std::string& key, double fallback) const;
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  Target target() const;  // --socket PATH or --tcp HOST:PORT

 private:
  std::map<std::string, std::string> values_;
};

int run_latency(const Options& opts);
int run_throughput(const Options& opts);
int run_bare_server(const Options& opts);
int run_cycle(const Options& opts);
int run_event_latency(const Options& opts);
int run_floor(const Options& opts);

}  // namespace berth::bench
