// etc_files: the generated hosts/hostname/resolv.conf contents, and their atomic write.
#include "core/containers/etc_files.hpp"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace berth::core::containers {

namespace {

std::string read_host(const char* path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string resolv_of(const ContainerSpec& spec) {
  std::string out;
  if (!spec.dns_servers.empty() || !spec.dns_search.empty() || !spec.dns_options.empty()) {
    if (!spec.dns_search.empty()) {
      out += "search";
      for (const auto& s : spec.dns_search) out += " " + s;
      out += "\n";
    }
    for (const auto& s : spec.dns_servers) out += "nameserver " + s + "\n";
    if (!spec.dns_options.empty()) {
      out += "options";
      for (const auto& o : spec.dns_options) out += " " + o;
      out += "\n";
    }
    if (!spec.dns_servers.empty()) return out;
  }
  std::istringstream host(read_host("/etc/resolv.conf"));
  std::string line;
  while (std::getline(host, line)) {
    if (line.rfind("nameserver", 0) == 0) {
      auto start = line.find_first_not_of(" \t", 10);
      std::string addr = start == std::string::npos ? "" : line.substr(start);
      if (addr.rfind("127.", 0) == 0 || addr == "::1") continue;
    } else if (!out.empty() && (line.rfind("search", 0) == 0 || line.rfind("options", 0) == 0)) {
      continue;  // the spec gave its own
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

EtcFiles etc_files(const ContainerSpec& spec, const std::string& name, const std::string& hostname) {
  EtcFiles f;
  f.hostname = hostname + "\n";
  if (spec.network_mode == "host") {
    f.hosts = read_host("/etc/hosts");
    f.resolv = read_host("/etc/resolv.conf");
  } else {
    f.hosts =
        "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
        "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n";
    f.resolv = resolv_of(spec);
  }
  for (const auto& h : spec.extra_hosts) {
    auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == h.size())
      fail(Errc::invalid_argument, "invalid extra host \"" + h + "\": use HOST:IP");
    f.hosts += h.substr(colon + 1) + "\t" + h.substr(0, colon) + "\n";
  }
  if (spec.network_mode != "host") f.hosts += "127.0.1.1\t" + hostname + (name != hostname ? " " + name : "") + "\n";
  return f;
}

void write_file_atomic(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(Errc::internal, "create " + tmp + ": " + ::strerror(errno));
  std::string_view rest = content;
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      fail(Errc::internal, "write " + tmp + ": " + ::strerror(err));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(Errc::internal, "rename " + tmp + ": " + ::strerror(errno));
}

}  // namespace berth::core::containers
