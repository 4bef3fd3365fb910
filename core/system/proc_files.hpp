// Small reads of /proc, /sys and /etc files for the system service: one open/read/close, no iostreams.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth::core::system {

// The file's content, up to max_bytes; nullopt when it cannot be opened.
std::optional<std::string> read_small_file(const char* path, std::size_t max_bytes = 64 * 1024);

// True when the file exists and starts with '1' or 'Y' (sysctls, module parameters).
bool read_flag_file(const char* path);

// The value of `key` in /proc/meminfo text ("MemTotal:  24684084 kB") in bytes; -1 when absent.
std::int64_t meminfo_bytes(std::string_view meminfo, std::string_view key);

// The value of KEY= in os-release style text, unquoted; "" when absent.
std::string env_file_value(std::string_view text, std::string_view key);

}  // namespace berth::core::system
