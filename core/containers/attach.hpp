// Attach: a Duplex over conmon's attach socket (PRIMITIVES.md §2), with docker's detach keys and an optional
// replay of the log first. The service (service_attach.cpp) picks the socket; this file only moves bytes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/containers/logs.hpp"
#include "core/streams/source.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::containers {

struct AttachOptions {
  bool stream = true;  // live output (and stdin); false: only the log replay
  bool logs = false;   // replay the log first
  bool stdin = true;
  bool stdout = true;
  bool stderr = true;
  std::optional<std::string> detach_keys;  // nullopt: containers.conf's default; "": no detach keys
};

// Docker's detach-key syntax ("ctrl-p,ctrl-q", "ctrl-x,a") to bytes; invalid → invalid_argument.
std::vector<unsigned char> parse_detach_keys(std::string_view spec);

// Passes client bytes through until the detach sequence has been typed. A prefix of the sequence is held back
// until the next byte shows whether it is the sequence (then dropped) or data (then released).
class DetachScanner {
 public:
  explicit DetachScanner(std::vector<unsigned char> keys) : keys_(std::move(keys)) {}
  // Appends the bytes to pass on to `out`; true once the whole sequence was seen (the rest is dropped).
  bool scan(std::string_view in, std::string& out);
  // At end of input: a held prefix was data after all.
  void flush(std::string& out);

 private:
  std::vector<unsigned char> keys_;
  std::size_t matched_ = 0;
};

// What ends an attach that has no socket to read (the container could not be initialized): a readable fd() means
// over() may have become true.
class AttachEnd {
 public:
  virtual ~AttachEnd() = default;
  virtual int fd() const = 0;
  virtual bool over() = 0;
};

// Connects to conmon's attach socket in `bundle` (through an O_PATH fd: bundle paths may exceed sun_path).
// Throws unavailable when nothing listens there.
sys::Fd connect_attach_socket(const std::string& bundle);

// The Duplex over a connected socket (or none, for a replay only) and an optional replay of the log. Without a
// socket, `end` (when given) keeps the stream open until it is over.
std::unique_ptr<streams::Duplex> make_attach_duplex(sys::Fd socket, bool tty, const AttachOptions& opts,
                                                    std::vector<unsigned char> detach_keys,
                                                    std::unique_ptr<streams::Source<LogLine>> replay,
                                                    std::unique_ptr<AttachEnd> end = nullptr);

}  // namespace berth::core::containers
