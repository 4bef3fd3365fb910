// k8s-file records, the internal side: a parser that reuses the caller's LogLine and caches the timestamp's
// whole-second part, and a header-only classifier for the tail scan.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/containers/logs.hpp"

namespace berth::core::containers {

// Every record of one log carries a timestamp of the same shape, and consecutive records mostly share the same
// second; remembering the last "YYYY-MM-DDTHH:MM:SS<zone>" → ns keeps timegm out of the per-record cost.
struct LogClock {
  char key[32] = {};
  std::size_t key_len = 0;
  std::int64_t base_ns = 0;
};

// Parses `record` (no trailing newline) into `out` without copying: out.text is the text alone (no "\n" added),
// a view into `record` that ends where `record` ends. False for a malformed record, with `out` unspecified.
bool parse_log_record_view(std::string_view record, LogRecordView& out, LogClock& clock);

// Parses `record` (no trailing newline) into `out`, reusing out.data's capacity. False for a malformed record,
// with `out` unspecified.
bool parse_log_record_into(std::string_view record, LogLine& out, LogClock& clock);

enum class RecordKind { full, partial, malformed };

// The F/P tag of a record without parsing its timestamp: enough to count lines.
RecordKind record_kind(std::string_view record);

}  // namespace berth::core::containers
