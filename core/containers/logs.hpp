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

// One record without a copy: `text` is the record's text with its "\n" for a full record (as LogLine::data), and
// points into the reader's buffer, so it is valid only until the source is called again.
struct LogRecordView {
  int stream = 1;
  std::int64_t time_ns = 0;
  std::string_view text;
  bool partial = false;
};

// Appends the wire form of one record to `out`: framing and timestamps are the API tree's business.
using LogShape = std::function<void(std::string& out, const LogRecordView& record)>;

// The records of `lines` (from open_log; any other Source<LogLine> works too, record by record) shaped into
// chunks of up to ~256 KiB: one item carries many records, so a big log costs a few calls per MiB, not one per
// line, and no allocation per record. Chunk::stream is meaningless (1): the shapes already framed the bytes.
std::unique_ptr<streams::Source<streams::Chunk>> log_chunks(std::unique_ptr<streams::Source<LogLine>> lines,
                                                            LogShape shape);

// A record's time in UTC as RFC 3339 ("YYYY-MM-DDTHH:MM:SS" + ".NNNNNNNNN" with nanos + "Z"), the date and time
// of day formatted once per distinct second: consecutive records mostly share it.
class LogTimeFormat {
 public:
  void append(std::string& out, std::int64_t ns, bool nanos);

 private:
  std::int64_t secs_ = 0;
  bool valid_ = false;
  char prefix_[24] = {};  // "YYYY-MM-DDTHH:MM:SS" (years past 9999 do not occur in a log)
  std::size_t prefix_len_ = 0;
};

}  // namespace berth::core::containers
