// Container logs: k8s-file record parsing, the non-follow reader (selection, since/until, tail) and follow
// (appends, split records, exit, truncation, a log that appears late, until).
#include "core/containers/logs.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/time.hpp"

using berth::core::containers::LogLine;
using berth::core::containers::LogOptions;
using berth::core::containers::open_log;
using berth::core::containers::parse_log_record;
using berth::core::streams::Poll;
using berth::core::streams::Source;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// 2026-11-23T05:40:SS.NNNNNNNNN+00:00, so record i can carry a time that orders and filters predictably.
std::string ts(int sec, int ns = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2026-11-23T05:40:%02d.%09d+00:00", sec, ns);
  return buf;
}

std::int64_t ns_of(int sec, int ns = 0) { return *berth::core::parse_rfc3339_ns(ts(sec, ns)); }

std::string rec(int sec, std::string_view stream, std::string_view tag, std::string_view text) {
  return ts(sec) + " " + std::string(stream) + " " + std::string(tag) + " " + std::string(text) + "\n";
}

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/berth-logs-test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(std::string_view name = "ctr.log") const { return (path / name).string(); }
};

void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

void append(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  ::close(fd);
}

std::vector<LogLine> read_all(const std::string& path, LogOptions opts = {}) {
  auto src = open_log(path, opts, [] { return true; });
  std::vector<LogLine> out;
  LogLine line;
  for (int i = 0; i < 10'000'000; ++i) {
    Poll p = src->next(line);
    if (p == Poll::end) return out;
    if (p == Poll::item) out.push_back(line);
  }
  FAIL("the source never ended");
  return out;
}

std::string text_of(const std::vector<LogLine>& lines) {
  std::string s;
  for (const auto& l : lines) s += l.data;
  return s;
}

// Drives a follow source the way net::pump does: poll wait_fd, drain next() until pending. Returns once the
// source ends; fails after `limit`.
std::vector<LogLine> follow_to_end(Source<LogLine>& src, std::chrono::milliseconds limit = 10s) {
  std::vector<LogLine> out;
  auto deadline = std::chrono::steady_clock::now() + limit;
  LogLine line;
  while (std::chrono::steady_clock::now() < deadline) {
    Poll p;
    while ((p = src.next(line)) == Poll::item) out.push_back(line);
    if (p == Poll::end) return out;
    struct pollfd pfd {
      src.wait_fd(), POLLIN, 0
    };
    ::poll(&pfd, 1, 1000);
  }
  FAIL("the follow never ended; got " << out.size() << " lines");
  return out;
}

}  // namespace

TEST_CASE("parse_log_record reads full and partial records of both streams", "[logs]") {
  auto full = parse_log_record("2026-11-23T05:40:23.643772343+00:00 stdout F line1");
  REQUIRE(full);
  CHECK(full->stream == 1);
  CHECK(full->data == "line1\n");
  CHECK_FALSE(full->partial);
  CHECK(full->time_ns == *berth::core::parse_rfc3339_ns("2026-11-23T05:40:23Z") + 643772343);

  auto part = parse_log_record("2026-11-23T05:40:23.643772343+00:00 stderr P no newline yet ");
  REQUIRE(part);
  CHECK(part->stream == 2);
  CHECK(part->data == "no newline yet ");
  CHECK(part->partial);

  // An empty line, with or without the separator after the tag; spaces inside the text are kept.
  CHECK(parse_log_record("2026-11-23T05:40:23Z stdout F ")->data == "\n");
  CHECK(parse_log_record("2026-11-23T05:40:23Z stdout F")->data == "\n");
  CHECK(parse_log_record("2026-11-23T05:40:23Z stdout F  a  b ")->data == " a  b \n");
}

TEST_CASE("parse_log_record accepts any fraction and zone", "[logs]") {
  std::int64_t base = *berth::core::parse_rfc3339_ns("2026-11-23T05:40:23Z");
  auto at = [](std::string_view t) { return parse_log_record(std::string(t) + " stdout F x")->time_ns; };
  CHECK(at("2026-11-23T05:40:23Z") == base);
  CHECK(at("2026-11-23T05:40:23+00:00") == base);
  CHECK(at("2026-11-23T05:40:23.5Z") == base + 500'000'000);
  CHECK(at("2026-11-23T05:40:23.000001+00:00") == base + 1000);
  CHECK(at("2026-11-23T05:40:23.1234567891234Z") == base + 123456789);
  CHECK(at("2026-11-23T07:40:23.25+02:00") == base + 250'000'000);
  CHECK(at("2026-11-23T00:10:23-05:30") == base);
}

TEST_CASE("parse_log_record rejects malformed records", "[logs]") {
  CHECK_FALSE(parse_log_record(""));
  CHECK_FALSE(parse_log_record("garbage"));
  CHECK_FALSE(parse_log_record("2026-11-23T05:40:23Z stdout"));
  CHECK_FALSE(parse_log_record("2026-11-23T05:40:23Z stdin F x"));
  CHECK_FALSE(parse_log_record("2026-11-23T05:40:23Z stdout X x"));
  CHECK_FALSE(parse_log_record("2026-11-23T05:40:23Z stdout FP x"));
  CHECK_FALSE(parse_log_record("2026-11-23T05:40:23 stdout F x"));       // no zone
  CHECK_FALSE(parse_log_record("2026-11-23T05:40:23.Z stdout F x"));     // empty fraction
  CHECK_FALSE(parse_log_record("2026-13-23T05:40:23Z stdout F x"));      // month 13
  CHECK_FALSE(parse_log_record("2026-11-23T05:40:23+0000 stdout F x"));  // zone without colon
  CHECK_FALSE(parse_log_record("yesterday stdout F x"));
}

TEST_CASE("open_log reads a whole log with stream selection and since/until", "[logs]") {
  TempDir dir;
  std::string path = dir.file();
  write_file(path, rec(1, "stdout", "F", "a") + rec(2, "stderr", "F", "b") + "not a record\n\n" +
                       rec(3, "stdout", "P", "c1 ") + rec(4, "stdout", "F", "c2") + rec(5, "stderr", "F", "d"));
  auto all = read_all(path);
  REQUIRE(all.size() == 5);
  CHECK(text_of(all) == "a\nb\nc1 c2\nd\n");
  CHECK(all[1].stream == 2);
  CHECK(all[2].partial);
  CHECK(all[0].time_ns == ns_of(1));

  CHECK(text_of(read_all(path, {.stderr = false})) == "a\nc1 c2\n");
  CHECK(text_of(read_all(path, {.stdout = false})) == "b\nd\n");
  CHECK(text_of(read_all(path, {.since = ns_of(2)})) == "b\nc1 c2\nd\n");
  CHECK(text_of(read_all(path, {.until = ns_of(3)})) == "a\nb\nc1 ");
  CHECK(text_of(read_all(path, {.since = ns_of(2), .until = ns_of(2)})) == "b\n");
}

TEST_CASE("open_log of a missing or empty log ends at once", "[logs]") {
  TempDir dir;
  CHECK(read_all(dir.file("nope.log")).empty());
  write_file(dir.file(), "");
  CHECK(read_all(dir.file()).empty());
  CHECK(read_all(dir.file(), {.tail = 3}).empty());
}

TEST_CASE("open_log keeps a last record that lacks its newline", "[logs]") {
  TempDir dir;
  std::string last = rec(2, "stdout", "F", "b");
  last.pop_back();
  write_file(dir.file(), rec(1, "stdout", "F", "a") + last);
  CHECK(text_of(read_all(dir.file())) == "a\nb\n");
  CHECK(text_of(read_all(dir.file(), {.tail = 1})) == "b\n");
}

TEST_CASE("open_log tail counts lines, joining partial records", "[logs]") {
  TempDir dir;
  std::string path = dir.file();
  write_file(path, rec(1, "stdout", "F", "one") + rec(2, "stdout", "P", "tw") + rec(3, "stdout", "P", "o") +
                       rec(4, "stdout", "F", "") + "junk\n" + rec(5, "stderr", "F", "three") +
                       rec(6, "stdout", "F", "four"));
  CHECK(text_of(read_all(path, {.tail = 0})).empty());
  CHECK(text_of(read_all(path, {.tail = 1})) == "four\n");
  CHECK(text_of(read_all(path, {.tail = 2})) == "three\nfour\n");
  CHECK(text_of(read_all(path, {.tail = 3})) == "two\nthree\nfour\n");
  CHECK(text_of(read_all(path, {.tail = 4})) == "one\ntwo\nthree\nfour\n");
  CHECK(text_of(read_all(path, {.tail = 100})) == "one\ntwo\nthree\nfour\n");
  // Tail picks lines first, then the stream selection applies.
  CHECK(text_of(read_all(path, {.stderr = false, .tail = 2})) == "four\n");

  // A trailing run of partial records is a line of its own.
  append(path, rec(7, "stdout", "P", "fi") + rec(8, "stdout", "P", "ve"));
  CHECK(text_of(read_all(path, {.tail = 1})) == "five");
  CHECK(text_of(read_all(path, {.tail = 2})) == "four\nfive");
}

TEST_CASE("open_log tail and reads across block boundaries of a multi-megabyte log", "[logs]") {
  TempDir dir;
  std::string path = dir.file();
  std::string content;
  constexpr int kLines = 60'000;  // ~4.5 MB: several 1 MiB blocks each way
  for (int i = 0; i < kLines; ++i)
    content += rec(i % 60, i % 3 ? "stdout" : "stderr", "F", "line " + std::to_string(i));
  // One record longer than a read block.
  std::string huge(3 << 20, 'h');
  content += rec(59, "stdout", "F", huge);
  write_file(path, content);

  auto all = read_all(path);
  REQUIRE(all.size() == kLines + 1);
  CHECK(all[12345].data == "line 12345\n");
  CHECK(all.back().data == huge + "\n");

  auto tail = read_all(path, {.tail = 3});
  REQUIRE(tail.size() == 3);
  CHECK(tail[0].data == "line 59998\n");
  CHECK(tail[2].data.size() == huge.size() + 1);

  auto many = read_all(path, {.tail = 50'001});
  REQUIRE(many.size() == 50'001);
  CHECK(many.front().data == "line 10000\n");
}

TEST_CASE("open_log without follow has a readable wait_fd", "[logs]") {
  TempDir dir;
  write_file(dir.file(), rec(1, "stdout", "F", "a"));
  auto src = open_log(dir.file(), {}, [] { return false; });
  struct pollfd pfd {
    src->wait_fd(), POLLIN, 0
  };
  CHECK(::poll(&pfd, 1, 0) == 1);
  CHECK(text_of(follow_to_end(*src)) == "a\n");
}

TEST_CASE("open_log follow delivers appended records, completes split records, ends on exit", "[logs]") {
  TempDir dir;
  std::string path = dir.file();
  write_file(path, rec(1, "stdout", "F", "before"));
  std::atomic<bool> exited{false};
  auto src = open_log(path, {.follow = true}, [&] { return exited.load(); });

  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    append(path, rec(2, "stdout", "F", "one"));
    std::this_thread::sleep_for(50ms);
    std::string split = rec(3, "stderr", "F", "split record");
    append(path, split.substr(0, 20));
    std::this_thread::sleep_for(100ms);
    append(path, split.substr(20));
    std::this_thread::sleep_for(50ms);
    append(path, rec(4, "stdout", "P", "part") + rec(5, "stdout", "F", "ial"));
    std::this_thread::sleep_for(50ms);
    exited = true;
  });
  auto lines = follow_to_end(*src);
  writer.join();
  CHECK(text_of(lines) == "before\none\nsplit record\npartial\n");
  REQUIRE(lines.size() == 5);
  CHECK(lines[2].stream == 2);
  LogLine line;
  CHECK(src->next(line) == Poll::end);
}

TEST_CASE("open_log follow of an already exited container reads to the end and stops", "[logs]") {
  TempDir dir;
  write_file(dir.file(), rec(1, "stdout", "F", "a") + rec(2, "stdout", "F", "b"));
  auto src = open_log(dir.file(), {.follow = true, .tail = 1}, [] { return true; });
  CHECK(text_of(follow_to_end(*src, 2s)) == "b\n");
}

TEST_CASE("open_log follow with tail starts at the last lines and keeps going", "[logs]") {
  TempDir dir;
  std::string path = dir.file();
  write_file(path, rec(1, "stdout", "F", "a") + rec(2, "stdout", "F", "b") + rec(3, "stdout", "F", "c"));
  std::atomic<bool> exited{false};
  auto src = open_log(path, {.follow = true, .tail = 2}, [&] { return exited.load(); });
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    append(path, rec(4, "stdout", "F", "d"));
    exited = true;
  });
  auto lines = follow_to_end(*src);
  writer.join();
  CHECK(text_of(lines) == "b\nc\nd\n");
}

TEST_CASE("open_log follow survives truncation without duplicating", "[logs]") {
  TempDir dir;
  std::string path = dir.file();
  bool rename_over = GENERATE(true, false);
  write_file(path, rec(1, "stdout", "F", "first") + rec(2, "stdout", "F", "second"));
  std::atomic<bool> exited{false};
  auto src = open_log(path, {.follow = true}, [&] { return exited.load(); });
  std::thread writer([&] {
    std::this_thread::sleep_for(100ms);
    append(path, rec(3, "stdout", "F", "third"));
    std::this_thread::sleep_for(100ms);
    // Like conmon's --log-size-max: a fresh file renamed over the log, or the same file cut in place. The new
    // content repeats the newest line, as a writer that keeps the newest lines would.
    std::string fresh = rec(3, "stdout", "F", "third") + rec(4, "stdout", "F", "fourth");
    if (rename_over) {
      write_file(path + ".tmp", fresh);
      fs::rename(path + ".tmp", path);
    } else {
      ::truncate(path.c_str(), 0);
      append(path, fresh);
    }
    std::this_thread::sleep_for(100ms);
    append(path, rec(5, "stdout", "F", "fifth"));
    std::this_thread::sleep_for(50ms);
    exited = true;
  });
  auto lines = follow_to_end(*src);
  writer.join();
  CAPTURE(rename_over);
  CHECK(text_of(lines) == "first\nsecond\nthird\nfourth\nfifth\n");
}

TEST_CASE("open_log follow waits for a log that does not exist yet", "[logs]") {
  TempDir dir;
  std::string path = dir.file();
  std::atomic<bool> exited{false};
  auto src = open_log(path, {.follow = true, .tail = 5}, [&] { return exited.load(); });
  LogLine line;
  CHECK(src->next(line) == Poll::pending);
  std::thread writer([&] {
    std::this_thread::sleep_for(100ms);
    append(path, rec(1, "stdout", "F", "hello"));
    std::this_thread::sleep_for(100ms);
    append(path, rec(2, "stderr", "F", "world"));
    std::this_thread::sleep_for(50ms);
    exited = true;
  });
  auto lines = follow_to_end(*src);
  writer.join();
  CHECK(text_of(lines) == "hello\nworld\n");
}

TEST_CASE("open_log follow ends once until has passed", "[logs]") {
  TempDir dir;
  std::string path = dir.file();
  std::int64_t now = berth::core::now_ns();
  auto stamp = [](std::int64_t ns) { return berth::core::format_rfc3339_ns(ns); };
  write_file(path, stamp(now - 1'000'000) + " stdout F old\n");
  // The container never exits: the 250 ms tick notices that `until` went by.
  auto src = open_log(path, {.follow = true, .until = now + 300'000'000}, [] { return false; });
  CHECK(text_of(follow_to_end(*src, 5s)) == "old\n");

  // A record past `until` ends it at once.
  append(path, stamp(now + 10'000'000'000) + " stdout F late\n");
  auto src2 = open_log(path, {.follow = true, .until = now}, [] { return false; });
  CHECK(text_of(follow_to_end(*src2, 5s)) == "old\n");
}

namespace {

// Everything a log_chunks source yields, with each record shaped as "<stream>|<ns>|<text>" so the test sees
// exactly which records came and what their views held.
std::string chunks_of(std::unique_ptr<Source<berth::core::streams::Chunk>> src) {
  std::string all;
  berth::core::streams::Chunk chunk;
  for (int i = 0; i < 1'000'000; ++i) {
    Poll p = src->next(chunk);
    if (p == Poll::end) return all;
    if (p == Poll::item) all += chunk.data;
  }
  FAIL("the chunk source never ended");
  return all;
}

void shape_plain(std::string& out, const berth::core::containers::LogRecordView& r) {
  out += std::to_string(r.stream) + "|" + std::to_string(r.time_ns) + "|" + std::string(r.text);
}

}  // namespace

TEST_CASE("log_chunks batches records and matches the per-line reader", "[logs]") {
  using berth::core::containers::log_chunks;
  TempDir dir;
  std::string content;
  std::string want;
  // Enough records for several 256 KiB chunks, both streams, a partial record, then a last record without its
  // newline (a finished log may end so).
  for (int i = 0; i < 20000; ++i) {
    bool err = i % 7 == 0;
    std::string text = "line " + std::to_string(i);
    content += rec(i % 60, err ? "stderr" : "stdout", "F", text);
    want += std::string(err ? "2" : "1") + "|" + std::to_string(ns_of(i % 60)) + "|" + text + "\n";
  }
  content += rec(1, "stdout", "P", "part-");
  want += "1|" + std::to_string(ns_of(1)) + "|part-";
  content += ts(2) + " stdout F end";
  want += "1|" + std::to_string(ns_of(2)) + "|end\n";
  write_file(dir.file(), content);

  CHECK(chunks_of(log_chunks(open_log(dir.file(), {}, [] { return true; }), shape_plain)) == want);

  // The same through the generic path (any Source<LogLine>): a wrapper that is not a LogSource.
  struct Wrapper : Source<LogLine> {
    std::unique_ptr<Source<LogLine>> inner;
    int wait_fd() const override { return inner->wait_fd(); }
    Poll next(LogLine& out) override { return inner->next(out); }
  };
  auto wrapped = std::make_unique<Wrapper>();
  wrapped->inner = open_log(dir.file(), {}, [] { return true; });
  CHECK(chunks_of(log_chunks(std::move(wrapped), shape_plain)) == want);

  // Filters still apply record by record: stderr only, last 3 lines.
  LogOptions opts;
  opts.stdout = false;
  opts.tail = 3;
  auto tailed = chunks_of(log_chunks(open_log(dir.file(), opts, [] { return true; }), shape_plain));
  // The last three lines are 19998, 19999 and "part-end"; of those only 19999 is on stderr.
  CHECK(tailed == "2|" + std::to_string(ns_of(19999 % 60)) + "|line 19999\n");
  opts.tail = 30;  // 19971..19999 and "part-end": stderr has 19971, 19978, 19985, 19992, 19999
  tailed = chunks_of(log_chunks(open_log(dir.file(), opts, [] { return true; }), shape_plain));
  CHECK(std::count(tailed.begin(), tailed.end(), '\n') == 5);
}

TEST_CASE("LogTimeFormat prints RFC 3339 in UTC with and without nanoseconds", "[logs]") {
  berth::core::containers::LogTimeFormat f;
  std::string out;
  f.append(out, 1'795'847'442'123'456'789, true);
  CHECK(out == "2026-11-28T06:30:42.123456789Z");
  out.clear();
  f.append(out, 1'795'847'442'000'000'005, true);  // same second, from the cache
  CHECK(out == "2026-11-28T06:30:42.000000005Z");
  out.clear();
  f.append(out, 1'795'847'443'000'000'000, false);
  CHECK(out == "2026-11-28T06:30:43Z");
  out.clear();
  f.append(out, 0, true);
  CHECK(out == "1970-01-01T00:00:00.000000000Z");
}
