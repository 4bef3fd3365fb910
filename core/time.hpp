// Timestamps: RFC 3339 with nanoseconds (image configs, history, API replies) and docker's `until` values (time or
// duration).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth::core {

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// Wall-clock now in unix nanoseconds.
std::int64_t now_ns();

// "2023-05-18T22:34:17.123456789Z" or "...+02:00" → unix ns; nullopt if malformed. Digits past nanoseconds are
// dropped, as Go's time.Parse does.
std::optional<std::int64_t> parse_rfc3339_ns(std::string_view text);

// Unix ns → "2023-05-18T22:34:17.123456789Z" (trailing zeros of the fraction trimmed, like Go's RFC3339Nano).
std::string format_rfc3339_ns(std::int64_t ns);

// docker's filter timestamps (GetTimestamp): a Go duration ("10m", "1h30m", "1.5h") counted back from now_ns,
// unix seconds ("1700000000", "1700000000.5"), RFC 3339 (with or without zone; without means UTC here), or a date
// "2006-01-02". Anything else → invalid_argument naming the value.
std::int64_t parse_filter_time(std::string_view text, std::int64_t now_ns);

}  // namespace berth::core
