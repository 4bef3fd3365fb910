// Tail of a k8s-file log: where its last N lines start, found by reading backwards from the end.
#pragma once

#include <cstdint>

namespace berth::core::containers {

// Offset in the first `size` bytes of `fd` where the last `lines` lines start (0 when the file has fewer, `size`
// for lines <= 0). A line is a run of P records closed by an F record; a trailing run of P records with no F yet
// is a line too, since it is what a reader would show last. Malformed records count for nothing.
std::int64_t log_tail_start(int fd, std::int64_t size, std::int64_t lines);

}  // namespace berth::core::containers
