// Container logs: conmon's k8s-file log read back as lines, with stream selection, since/until, tail and follow.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/streams/source.hpp"

namespace berth::core::containers {

// One record of the log: conmon writes "<RFC3339Nano> <stdout|stderr> <F|P> <text>\n" per line or partial line.
struct LogLine {
  int stream = 1;            // 1 stdout, 2 stderr
  std::int64_t time_ns = 0;  // from the record's timestamp
  std::string data;          // the text, with "\n" appended for a full (F) record
  bool partial = false;      // a P record: the line continues in the next record
};

// Parses one record (without its trailing newline). nullopt for a malformed record.
std::optional<LogLine> parse_log_record(std::string_view record);

struct LogOptions {
  bool stdout = true;
  bool stderr = true;
  bool follow = false;                // keep reading until the container exits (then end)
  std::optional<std::int64_t> since;  // ns; records before it are skipped
  std::optional<std::int64_t> until;  // ns; records after it are skipped (and a follow ends past it)
  std::optional<std::int64_t> tail;   // only the last N lines (full lines: partial records join their line)
};

// Reads `path` (which may not exist yet: an empty log). With follow, new records are delivered as conmon appends
// them (inotify on the file, so no polling), and the source ends once `exited()` returns true and the file has
// been read to its end. log_size_max truncation by conmon (the file shrinks) restarts reading from the top.
std::unique_ptr<streams::Source<LogLine>> open_log(const std::string& path, const LogOptions& opts,
                                                   std::function<bool()> exited);

}  // namespace berth::core::containers
