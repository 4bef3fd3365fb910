// Where berthd listens: unix:///path, tcp://HOST:PORT (TLS when certificates are given).
#pragma once

#include <string>
#include <string_view>

namespace berth::net {

struct ListenAddress {
  enum class Kind { unix_socket, tcp };
  Kind kind = Kind::unix_socket;
  std::string path;  // unix
  std::string host;  // tcp; "" means every address
  std::string port;  // tcp
  std::string uri;   // as given

  bool loopback() const;  // tcp on 127.0.0.0/8, ::1 or localhost
};

// Throws core::Error(invalid_argument) for anything else ("http://", "unix://relative", "tcp://host").
ListenAddress parse_listen_uri(std::string_view uri);

}  // namespace berth::net
