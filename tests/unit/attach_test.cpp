// Detach keys: docker's key syntax and the scanner that holds back a possible sequence prefix.
#include "core/containers/attach.hpp"

#include <catch2/catch.hpp>

#include "core/error.hpp"

using berth::core::containers::DetachScanner;
using berth::core::containers::parse_detach_keys;

TEST_CASE("detach keys parse docker's syntax", "[attach]") {
  CHECK(parse_detach_keys("ctrl-p,ctrl-q") == std::vector<unsigned char>{0x10, 0x11});
  CHECK(parse_detach_keys("ctrl-x,a") == std::vector<unsigned char>{0x18, 'a'});
  CHECK(parse_detach_keys("ctrl-@,ctrl-[,ctrl-_") == std::vector<unsigned char>{0, 27, 31});
  CHECK(parse_detach_keys("").empty());
  CHECK_THROWS_AS(parse_detach_keys("ctrl-?"), berth::core::Error);
  CHECK_THROWS_AS(parse_detach_keys("shift-a"), berth::core::Error);
  CHECK_THROWS_AS(parse_detach_keys("a,,b"), berth::core::Error);
}

TEST_CASE("the detach scanner passes data and stops at the sequence, even split across reads", "[attach]") {
  DetachScanner s(parse_detach_keys("ctrl-p,ctrl-q"));
  std::string out;
  CHECK_FALSE(s.scan("ab\x10", out));
  CHECK(out == "ab");  // the ctrl-p is held back
  CHECK_FALSE(s.scan("c", out));
  CHECK(out ==
        "ab\x10"
        "c");  // not the sequence: released
  CHECK_FALSE(s.scan("\x10\x10", out));
  CHECK(out ==
        "ab\x10"
        "c\x10");  // a repeated first key restarts the match
  CHECK(s.scan("\x11zz", out));
  CHECK(out ==
        "ab\x10"
        "c\x10");

  DetachScanner none({});
  std::string all;
  CHECK_FALSE(none.scan("\x10\x11", all));
  CHECK(all == "\x10\x11");

  DetachScanner eof(parse_detach_keys("ctrl-p,ctrl-q"));
  std::string held;
  CHECK_FALSE(eof.scan("x\x10", held));
  eof.flush(held);
  CHECK(held == "x\x10");
}
