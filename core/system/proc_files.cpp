// Small-file reads and the few key/value parsers the system service needs.
#include "core/system/proc_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

namespace berth::core::system {

std::optional<std::string> read_small_file(const char* path, std::size_t max_bytes) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  while (out.size() < max_bytes) {
    ssize_t n = ::read(fd, buf, std::min(sizeof buf, max_bytes - out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

bool read_flag_file(const char* path) {
  auto text = read_small_file(path, 16);
  return text && !text->empty() && ((*text)[0] == '1' || (*text)[0] == 'Y');
}

std::int64_t meminfo_bytes(std::string_view meminfo, std::string_view key) {
  std::size_t pos = 0;
  while (pos < meminfo.size()) {
    auto end = meminfo.find('\n', pos);
    auto line = meminfo.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? meminfo.size() : end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':') continue;
    auto rest = line.substr(key.size() + 1);
    auto digits = rest.find_first_not_of(' ');
    if (digits == std::string_view::npos) return -1;
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(rest.data() + digits, rest.data() + rest.size(), value);
    if (ec != std::errc{}) return -1;
    // Values carry a "kB" unit (really KiB); counters such as HugePages_Total carry none.
    return std::string_view(ptr, rest.data() + rest.size()).find("kB") != std::string_view::npos ? value * 1024 : value;
  }
  return -1;
}

std::string env_file_value(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    auto line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != '=') continue;
    auto value = line.substr(key.size() + 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.remove_suffix(1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    return std::string(value);
  }
  return {};
}

}  // namespace berth::core::system
