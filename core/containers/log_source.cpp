// LogSource: block reads, record filtering, and the follow loop (see log_source.hpp for the wait_fd design).
#include "core/containers/log_source.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/containers/log_tail.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace berth::core::containers {

namespace {

using streams::Poll;

constexpr std::size_t kBlock = 1 << 20;
// Blocks one next() call may read before it yields (via the kick eventfd): a filter that skips everything must
// not hold an io thread for a whole large log.
constexpr int kBlocksPerCall = 16;
constexpr long kTickNs = 250'000'000;

[[noreturn]] void fail_errno(std::string_view what) { fail(Errc::internal, std::strerror(errno), what); }

sys::Fd checked(int fd, std::string_view what) {
  if (fd < 0) fail_errno(what);
  return sys::Fd(fd);
}

void epoll_add(int epoll, int fd) {
  struct epoll_event ev {};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) < 0) fail_errno("epoll_ctl");
}

void drain_counter(int fd) {
  std::uint64_t value;
  while (::read(fd, &value, sizeof value) > 0) {
  }
}

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

LogSource::LogSource(std::string path, LogOptions opts, std::function<bool()> exited)
    : path_(std::move(path)), opts_(opts), exited_(std::move(exited)), buf_(kBlock) {
  epoll_ = checked(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
  kick_ = checked(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
  epoll_add(epoll_.get(), kick_.get());
  if (opts_.follow) {
    inotify_.emplace();
    epoll_add(epoll_.get(), inotify_->fd());
    // Created before the file is opened, so a log that appears in between still wakes us.
    inotify_->add(parent_dir(path_), IN_CREATE | IN_MOVED_TO);
    timer_ = checked(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC), "timerfd_create");
    struct itimerspec spec {};
    spec.it_interval.tv_nsec = kTickNs;
    spec.it_value.tv_nsec = kTickNs;
    if (::timerfd_settime(timer_.get(), 0, &spec, nullptr) < 0) fail_errno("timerfd_settime");
    epoll_add(epoll_.get(), timer_.get());
  } else {
    // Never pending except after a budget stop, but a caller that polls first must not wait forever.
    kick();
  }
  open_file(true);
}

void LogSource::kick() {
  std::uint64_t one = 1;
  if (::write(kick_.get(), &one, sizeof one) < 0 && errno != EAGAIN) fail_errno("eventfd write");
  kicked_ = true;
}

void LogSource::watch_file() {
  if (!inotify_) return;
  inotify_->remove(file_wd_);
  file_wd_ = inotify_->add(path_, IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF);
}

// A missing log is an empty one (the container has not written yet); follow picks it up when it appears.
void LogSource::open_file(bool apply_tail) {
  watch_file();
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;
    fail_errno("open " + path_);
  }
  file_.reset(fd);
  struct stat st {};
  if (::fstat(fd, &st) < 0) fail_errno("fstat " + path_);
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  restart(apply_tail && opts_.tail ? log_tail_start(fd, st.st_size, *opts_.tail) : 0);
}

void LogSource::restart(std::int64_t offset) {
  offset_ = offset;
  begin_ = end_ = 0;
}

// Reads the next block after what is buffered. False at the end of the file (or with no file).
bool LogSource::fill() {
  if (!file_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  // One record longer than the buffer: grow rather than split it.
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
  ssize_t n;
  do {
    n = ::pread(file_.get(), buf_.data() + end_, buf_.size() - end_, offset_);
  } while (n < 0 && errno == EINTR);
  if (n < 0) fail_errno("read " + path_);
  offset_ += n;
  end_ += static_cast<std::size_t>(n);
  return n > 0;
}

// conmon's --log-size-max renames a fresh file over the log; a writer may also truncate in place. Either way
// reading restarts at the top of the new content. (An in-place truncation that regrows past our offset before
// we look is indistinguishable from appends; conmon does not do that.)
bool LogSource::reopen_if_changed() {
  if (!file_) {
    open_file(false);
    return static_cast<bool>(file_);
  }
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && (st.st_ino != ino_ || st.st_dev != dev_)) {
    // Whatever reached the old file before the rename comes first.
    if (fill()) return true;
    file_.reset();
    dedupe_until_ = last_time_;
    open_file(false);
    return true;
  }
  if (::fstat(file_.get(), &st) == 0 && st.st_size < offset_) {
    dedupe_until_ = last_time_;
    restart(0);
    return true;
  }
  return false;
}

// `record` lacks its "\n"; when `terminated` it sits right after the record in buf_, so the text of a full
// record is extended over it rather than copied.
LogSource::Verdict LogSource::deliver(std::string_view record, bool terminated, LogRecordView& out) {
  if (!parse_log_record_view(record, out, clock_)) return Verdict::skip;
  if (dedupe_until_) {
    if (out.time_ns <= *dedupe_until_) return Verdict::skip;
    dedupe_until_.reset();
  }
  if (opts_.until && out.time_ns > *opts_.until) return opts_.follow ? Verdict::end : Verdict::skip;
  if (opts_.since && out.time_ns < *opts_.since) return Verdict::skip;
  if (!(out.stream == 1 ? opts_.stdout : opts_.stderr)) return Verdict::skip;
  last_time_ = out.time_ns;
  if (!out.partial) {
    if (terminated) {
      out.text = std::string_view(out.text.data(), out.text.size() + 1);
    } else {
      last_record_.assign(out.text);
      last_record_.push_back('\n');
      out.text = last_record_;
    }
  }
  return Verdict::item;
}

// The last bytes of a finished log may lack their newline; they still form a record if they parse.
Poll LogSource::finish(LogRecordView& out) {
  ended_ = true;
  std::string_view rest(buf_.data() + begin_, end_ - begin_);
  begin_ = end_;
  if (!rest.empty() && deliver(rest, false, out) == Verdict::item) return Poll::item;
  return Poll::end;
}

// Follow at the end of the file. The exit is sampled before the last read, so output written before the
// container exited is always delivered; notifications are drained before it, so none is lost.
Poll LogSource::at_end_of_file(LogRecordView& out, bool& again) {
  bool was_exited = exited_ && exited_();
  inotify_->drain();
  drain_counter(timer_.get());
  if (reopen_if_changed() || fill()) {
    again = true;
    return Poll::pending;
  }
  if (was_exited || (opts_.until && now_ns() > *opts_.until)) return finish(out);
  return Poll::pending;
}

Poll LogSource::next(LogLine& out) {
  LogRecordView view;
  Poll p = next_record(view);
  if (p == Poll::item) {
    out.stream = view.stream;
    out.time_ns = view.time_ns;
    out.partial = view.partial;
    out.data.assign(view.text);
  }
  return p;
}

Poll LogSource::next_record(LogRecordView& out) {
  if (ended_) return Poll::end;
  if (kicked_) {
    drain_counter(kick_.get());
    kicked_ = false;
  }
  int budget = kBlocksPerCall;
  while (true) {
    const char* from = buf_.data() + begin_;
    if (const void* nl = std::memchr(from, '\n', end_ - begin_)) {
      const char* stop = static_cast<const char*>(nl);
      begin_ = static_cast<std::size_t>(stop + 1 - buf_.data());
      switch (deliver(std::string_view(from, static_cast<std::size_t>(stop - from)), true, out)) {
        case Verdict::item:
          return Poll::item;
        case Verdict::end:
          ended_ = true;
          return Poll::end;
        case Verdict::skip:
          continue;
      }
    }
    if (budget-- == 0) {
      kick();
      return Poll::pending;
    }
    if (fill()) continue;
    if (!opts_.follow) return finish(out);
    bool again = false;
    Poll p = at_end_of_file(out, again);
    if (!again) return p;
  }
}

}  // namespace berth::core::containers
