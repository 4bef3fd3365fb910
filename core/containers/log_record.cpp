// k8s-file record parsing: "<RFC3339Nano> <stdout|stderr> <F|P> <text>".
#include "core/containers/log_record.hpp"

#include <cstring>

#include "core/time.hpp"

namespace berth::core::containers {

namespace {

constexpr std::size_t kSecondsLen = 19;  // "YYYY-MM-DDTHH:MM:SS"

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Splits "TS STREAM TAG[ TEXT]" at its first three spaces. The text may be empty with or without its separator,
// since a writer that trims trailing blanks would drop it.
struct Fields {
  std::string_view time, stream, tag, text;
};

bool split(std::string_view record, Fields& f) {
  std::size_t a = record.find(' ');
  if (a == std::string_view::npos) return false;
  std::size_t b = record.find(' ', a + 1);
  if (b == std::string_view::npos) return false;
  f.time = record.substr(0, a);
  f.stream = record.substr(a + 1, b - a - 1);
  std::size_t c = record.find(' ', b + 1);
  if (c == std::string_view::npos) {
    f.tag = record.substr(b + 1);
    f.text = record.substr(record.size());  // empty, but still where the record ends
  } else {
    f.tag = record.substr(b + 1, c - b - 1);
    f.text = record.substr(c + 1);
  }
  return true;
}

// Timestamp → ns: the fraction is read here (any number of digits, past nanoseconds dropped as Go does) and the
// rest goes through core::parse_rfc3339_ns once per distinct second.
bool parse_time(std::string_view ts, LogClock& clock, std::int64_t& ns) {
  if (ts.size() < kSecondsLen + 1) return false;
  std::size_t pos = kSecondsLen;
  std::int64_t frac = 0;
  if (ts[pos] == '.') {
    std::int64_t scale = 100'000'000;
    std::size_t start = ++pos;
    for (; pos < ts.size() && is_digit(ts[pos]); ++pos) {
      frac += (ts[pos] - '0') * scale;
      scale /= 10;
    }
    if (pos == start) return false;
  }
  std::string_view zone = ts.substr(pos);
  std::size_t key_len = kSecondsLen + zone.size();
  if (zone.empty() || key_len > sizeof clock.key) return false;
  if (key_len != clock.key_len || std::memcmp(clock.key, ts.data(), kSecondsLen) != 0 ||
      std::memcmp(clock.key + kSecondsLen, zone.data(), zone.size()) != 0) {
    char key[sizeof clock.key];
    std::memcpy(key, ts.data(), kSecondsLen);
    std::memcpy(key + kSecondsLen, zone.data(), zone.size());
    auto base = parse_rfc3339_ns(std::string_view(key, key_len));
    if (!base) return false;
    std::memcpy(clock.key, key, key_len);
    clock.key_len = key_len;
    clock.base_ns = *base;
  }
  ns = clock.base_ns + frac;
  return true;
}

}  // namespace

bool parse_log_record_view(std::string_view record, LogRecordView& out, LogClock& clock) {
  Fields f;
  if (!split(record, f)) return false;
  if (f.stream == "stdout")
    out.stream = 1;
  else if (f.stream == "stderr")
    out.stream = 2;
  else
    return false;
  if (f.tag == "F")
    out.partial = false;
  else if (f.tag == "P")
    out.partial = true;
  else
    return false;
  if (!parse_time(f.time, clock, out.time_ns)) return false;
  out.text = f.text;
  return true;
}

bool parse_log_record_into(std::string_view record, LogLine& out, LogClock& clock) {
  LogRecordView view;
  if (!parse_log_record_view(record, view, clock)) return false;
  out.stream = view.stream;
  out.time_ns = view.time_ns;
  out.partial = view.partial;
  out.data.assign(view.text);
  if (!out.partial) out.data.push_back('\n');
  return true;
}

std::optional<LogLine> parse_log_record(std::string_view record) {
  LogClock clock;
  LogLine line;
  if (!parse_log_record_into(record, line, clock)) return std::nullopt;
  return line;
}

RecordKind record_kind(std::string_view record) {
  Fields f;
  if (!split(record, f) || (f.stream != "stdout" && f.stream != "stderr")) return RecordKind::malformed;
  if (f.tag == "F") return RecordKind::full;
  if (f.tag == "P") return RecordKind::partial;
  return RecordKind::malformed;
}

}  // namespace berth::core::containers
