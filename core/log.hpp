// The daemon's log: leveled lines on stderr. The level is process-wide because every layer logs to the one
// stderr the daemon has.
#pragma once

#include <optional>
#include <string_view>

namespace berth::core::log {

enum class Level { debug, info, warn, error };

std::optional<Level> parse_level(std::string_view name);  // "debug", "info", "warn"/"warning", "error"
void set_level(Level level);
bool enabled(Level level);
// Formats "2026-11-23T09:00:00.123Z level message\n". debug and info lines (one per request) are batched and
// written by a background thread at most every 100 ms, which keeps a write(2) off every request; warn and error
// lines flush what is pending and go out at once. Lines from threads never interleave.
void write(Level level, std::string_view message);
// Writes every pending line now (at exit, before reporting a fatal error).
void flush();

inline void debug(std::string_view m) {
  if (enabled(Level::debug)) write(Level::debug, m);
}
inline void info(std::string_view m) {
  if (enabled(Level::info)) write(Level::info, m);
}
inline void warn(std::string_view m) {
  if (enabled(Level::warn)) write(Level::warn, m);
}
inline void error(std::string_view m) { write(Level::error, m); }

}  // namespace berth::core::log
