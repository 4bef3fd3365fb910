// open_log: the public entry point; the work is in log_record (parsing), log_tail (tail scan) and log_source.
#include "core/containers/logs.hpp"

#include "core/containers/log_source.hpp"

namespace berth::core::containers {

std::unique_ptr<streams::Source<LogLine>> open_log(const std::string& path, const LogOptions& opts,
                                                   std::function<bool()> exited) {
  return std::make_unique<LogSource>(path, opts, std::move(exited));
}

}  // namespace berth::core::containers
