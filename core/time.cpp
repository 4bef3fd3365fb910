// RFC 3339 and docker filter-timestamp parsing on timegm, without locale or strptime surprises.
#include "core/time.hpp"

#include <time.h>

#include <cctype>
#include <chrono>
#include <cstdio>

#include "core/error.hpp"

namespace berth::core {

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Parses "YYYY-MM-DD" at 0 and, when present, "THH:MM:SS[.frac]" and a zone. require_zone: RFC 3339 proper.
std::optional<std::int64_t> parse_time(std::string_view s, bool require_zone, bool allow_date_only) {
  int year, mon, day, hour = 0, min = 0, sec = 0;
  if (!digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mon) || s[7] != '-' ||
      !digits(s, 8, 2, day)) {
    return std::nullopt;
  }
  std::size_t pos = 10;
  std::int64_t frac_ns = 0;
  std::int64_t offset_s = 0;
  if (pos == s.size()) {
    if (!allow_date_only) return std::nullopt;
  } else {
    if ((s[pos] != 'T' && s[pos] != 't') || !digits(s, pos + 1, 2, hour) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, min) || pos + 6 >= s.size() || s[pos + 6] != ':' || !digits(s, pos + 7, 2, sec)) {
      return std::nullopt;
    }
    pos += 9;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      std::size_t start = pos;
      std::int64_t scale = kSecond / 10;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
        frac_ns += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
    }
    if (pos == s.size()) {
      if (require_zone) return std::nullopt;
    } else if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
    } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
      int oh, om;
      if (!digits(s, pos + 1, 2, oh) || !digits(s, pos + 4, 2, om)) return std::nullopt;
      offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return std::nullopt;
  struct tm tm {};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  time_t t = ::timegm(&tm);
  return (static_cast<std::int64_t>(t) - offset_s) * kSecond + frac_ns;
}

// Go's time.ParseDuration for the units docker users write.
std::optional<std::int64_t> parse_duration_ns(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  long double total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    long double value = 0;
    if (std::sscanf(std::string(s.substr(0, i)).c_str(), "%Lf", &value) != 1) return std::nullopt;
    s.remove_prefix(i);
    std::size_t u = 0;
    while (u < s.size() && !std::isdigit(static_cast<unsigned char>(s[u])) && s[u] != '.') ++u;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    long double scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "µs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      return std::nullopt;
    total += value * scale;
  }
  auto ns = static_cast<std::int64_t>(total);
  return negative ? -ns : ns;
}

std::optional<std::int64_t> parse_unix(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0 || i > 18) return std::nullopt;
  std::int64_t sec = std::stoll(std::string(s.substr(0, i)));
  std::int64_t frac = 0;
  if (i < s.size()) {
    if (s[i] != '.') return std::nullopt;
    std::int64_t scale = kSecond / 10;
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      if (!std::isdigit(static_cast<unsigned char>(s[j]))) return std::nullopt;
      frac += (s[j] - '0') * scale;
      scale /= 10;
    }
  }
  return sec * kSecond + frac;
}

}  // namespace

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::int64_t> parse_rfc3339_ns(std::string_view text) { return parse_time(text, true, false); }

std::string format_rfc3339_ns(std::int64_t ns) {
  std::int64_t sec = ns / kSecond;
  std::int64_t frac = ns % kSecond;
  if (frac < 0) {
    frac += kSecond;
    --sec;
  }
  time_t t = static_cast<time_t>(sec);
  struct tm utc {};
  ::gmtime_r(&t, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out = buf;
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%09lld", static_cast<long long>(frac));
    std::string fs = f;
    while (fs.back() == '0') fs.pop_back();
    out += fs;
  }
  return out + "Z";
}

std::int64_t parse_filter_time(std::string_view text, std::int64_t now) {
  if (auto d = parse_duration_ns(text)) return now - *d;
  if (auto u = parse_unix(text)) return *u;
  if (auto t = parse_time(text, false, true)) return *t;
  fail(Errc::invalid_argument, "failed to parse value as time or duration: \"" + std::string(text) + "\"");
}

}  // namespace berth::core
