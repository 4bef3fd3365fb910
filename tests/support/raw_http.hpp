// A deliberately small HTTP/1.1 client over a unix or tcp socket, for tests that need control of the bytes:
// pipelining, half-close, hijack, malformed requests.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace berth::test {

struct RawResponse {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
  std::string header(const std::string& name) const;
};

class RawConnection {
 public:
  static RawConnection unix_socket(const std::string& path);
  static RawConnection tcp(const std::string& host, int port);
  RawConnection(RawConnection&& other) noexcept;
  ~RawConnection();

  void send(std::string_view bytes);
  void shutdown_write();
  // Reads one whole response (Content-Length, chunked, or until close); nullopt when the peer closed first.
  std::optional<RawResponse> read_response(bool head_request = false);
  // Reads the response head only (status line + headers), leaving the rest for read_exact/read_some.
  std::optional<RawResponse> read_head();
  std::string read_exact(std::size_t n);
  // Everything until the peer closes (bounded by the timeout).
  std::string read_to_close();
  // True when the peer closed the connection (reads EOF within the timeout).
  bool peer_closed();
  int fd() const { return fd_; }

 private:
  explicit RawConnection(int fd);
  bool fill();  // reads more into buf_; false on EOF
  int fd_ = -1;
  std::string buf_;
};

// Sends one request on a fresh connection and reads the answer.
RawResponse request(const std::string& socket_path, const std::string& method, const std::string& target,
                    const std::string& body = {}, const std::string& extra_headers = {});

}  // namespace berth::test
