// Signal names and numbers as docker's signal.ParseSignal accepts them (Linux numbering).
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <utility>

#include "core/containers/oci_spec.hpp"
#include "core/error.hpp"

namespace berth::core::containers {
namespace {

constexpr int kRtMin = 34;  // glibc reserves 32 and 33 for itself; SIGRTMIN is what programs see
constexpr int kRtMax = 64;

constexpr std::array<std::pair<std::string_view, int>, 36> kSignals = {{
    {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},     {"TRAP", 5},       {"ABRT", 6},
    {"IOT", 6},   {"BUS", 7},   {"FPE", 8},   {"KILL", 9},    {"USR1", 10},      {"SEGV", 11},
    {"USR2", 12}, {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15},   {"STKFLT", 16},    {"CHLD", 17},
    {"CLD", 17},  {"CONT", 18}, {"STOP", 19}, {"TSTP", 20},   {"TTIN", 21},      {"TTOU", 22},
    {"URG", 23},  {"XCPU", 24}, {"XFSZ", 25}, {"VTALRM", 26}, {"PROF", 27},      {"WINCH", 28},
    {"IO", 29},   {"POLL", 29}, {"PWR", 30},  {"SYS", 31},    {"RTMIN", kRtMin}, {"RTMAX", kRtMax},
}};

// A decimal number in [lo, hi], or -1.
int number_in(std::string_view s, int lo, int hi) {
  int n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || n < lo || n > hi) return -1;
  return n;
}

int parse_name(std::string name) {
  if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
  for (const auto& [n, v] : kSignals)
    if (name == n) return v;
  // RTMIN+n and RTMAX-n as kill(1) and docker accept them.
  if (name.rfind("RTMIN+", 0) == 0) {
    int off = number_in(std::string_view(name).substr(6), 0, kRtMax - kRtMin);
    return off < 0 ? -1 : kRtMin + off;
  }
  if (name.rfind("RTMAX-", 0) == 0) {
    int off = number_in(std::string_view(name).substr(6), 0, kRtMax - kRtMin);
    return off < 0 ? -1 : kRtMax - off;
  }
  return -1;
}

}  // namespace

int parse_signal(const std::string& text) {
  int n = number_in(text, 1, kRtMax);
  if (n < 0) {
    std::string up;
    for (char c : text) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    n = parse_name(up);
  }
  if (n < 0) fail(Errc::invalid_argument, "invalid signal: " + text);
  return n;
}

}  // namespace berth::core::containers
