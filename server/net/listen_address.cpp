// Listen URI parsing.
#include "server/net/listen_address.hpp"

#include "core/error.hpp"

namespace berth::net {

bool ListenAddress::loopback() const {
  return kind == Kind::unix_socket || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

ListenAddress parse_listen_uri(std::string_view uri) {
  ListenAddress a;
  a.uri = std::string(uri);
  auto bad = [&](std::string_view why) {
    core::fail(core::Errc::invalid_argument, std::string(why), "invalid listen URI " + std::string(uri));
  };
  if (uri.rfind("unix://", 0) == 0) {
    a.path = std::string(uri.substr(7));
    if (a.path.empty() || a.path.front() != '/') bad("unix socket path must be absolute (unix:///path)");
    if (a.path.size() >= 108) bad("unix socket path is longer than 107 bytes");
    return a;
  }
  if (uri.rfind("tcp://", 0) == 0) {
    a.kind = ListenAddress::Kind::tcp;
    auto rest = uri.substr(6);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    std::string_view host, port;
    if (!rest.empty() && rest.front() == '[') {  // [::1]:8080
      auto close = rest.find(']');
      if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
        bad("expected [IPv6]:PORT");
      host = rest.substr(1, close - 1);
      port = rest.substr(close + 2);
    } else {
      auto colon = rest.rfind(':');
      if (colon == std::string_view::npos) bad("expected tcp://HOST:PORT");
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos || port.size() > 5)
      bad("port must be a number");
    a.host = std::string(host);
    a.port = std::string(port);
    return a;
  }
  core::fail(core::Errc::invalid_argument, "scheme must be unix:// or tcp://",
             "invalid listen URI " + std::string(uri));
}

}  // namespace berth::net
