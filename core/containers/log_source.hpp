// LogSource: the Source<LogLine> behind open_log. Reads the k8s-file in big blocks, filters records, and with
// follow waits on inotify for more.
//
// wait_fd is an epoll fd over:
//  - an eventfd the source pokes itself when next() stops after a read budget (so one call never reads a
//    whole 200 MB log) and that is readable from the start for a non-follow source;
//  - with follow, an inotify fd watching the log (IN_MODIFY, IN_CLOSE_WRITE, ...) and its directory (IN_CREATE,
//    IN_MOVED_TO: the log appearing, or conmon renaming a fresh file over it for --log-size-max);
//  - with follow, a 250 ms periodic timerfd. The container's exit is not a file event, so this is what lets a
//    quiet exited container's stream end promptly (and an `until` pass by). next() also re-checks exited()
//    every time it reaches the end of the file, so a caller that knows of the exit may simply call next().
//    The tick also covers a log whose directory does not exist yet (nothing to watch): each wake retries open.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/containers/log_record.hpp"
#include "core/containers/logs.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/inotify.hpp"

namespace berth::core::containers {

class LogSource final : public streams::Source<LogLine> {
 public:
  LogSource(std::string path, LogOptions opts, std::function<bool()> exited);

  int wait_fd() const override { return epoll_.get(); }
  streams::Poll next(LogLine& out) override;
  // next() without the copy: `out` views this source's buffer until the next call (see LogRecordView).
  streams::Poll next_record(LogRecordView& out);

 private:
  enum class Verdict { item, skip, end };

  void open_file(bool apply_tail);
  bool fill();
  bool reopen_if_changed();
  Verdict deliver(std::string_view record, bool terminated, LogRecordView& out);
  streams::Poll at_end_of_file(LogRecordView& out, bool& again);
  streams::Poll finish(LogRecordView& out);
  void kick();
  void watch_file();
  void restart(std::int64_t offset);

  std::string path_;
  LogOptions opts_;
  std::function<bool()> exited_;

  sys::Fd file_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::int64_t offset_ = 0;  // file offset of the next read
  std::vector<char> buf_;    // [begin_, end_) read but not yet consumed: at most one unfinished record
  std::size_t begin_ = 0, end_ = 0;
  std::string last_record_;  // a full record that ended the log without its "\n": its text plus one
  LogClock clock_;
  // After a truncation the new content may repeat what was delivered (a writer that keeps the newest lines):
  // records not newer than the last delivered one are dropped until a newer one shows up.
  std::optional<std::int64_t> dedupe_until_;
  std::int64_t last_time_ = 0;
  bool ended_ = false;

  sys::Fd epoll_, kick_, timer_;
  bool kicked_ = false;
  std::optional<sys::Inotify> inotify_;
  int file_wd_ = -1;
};

}  // namespace berth::core::containers
