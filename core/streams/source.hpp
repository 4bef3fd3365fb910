// Source<T>: how everything that streams leaves core. A readable wait_fd() means next() may have items; next()
// never blocks, so no thread waits on a quiet producer or a slow client.
#pragma once

#include <string>

namespace berth::core::streams {

enum class Poll { item, pending, end };

template <class T>
class Source {
 public:
  virtual ~Source() = default;
  // Becomes readable when next() may return an item or end. Owned by the source.
  virtual int wait_fd() const = 0;
  // Fills out and returns item, or returns pending (wait on wait_fd) or end (no more items ever).
  virtual Poll next(T& out) = 0;
};

// One piece of a byte stream, tagged with its docker stream id (0 stdin, 1 stdout, 2 stderr).
struct Chunk {
  int stream = 1;
  std::string data;
};

// The engine's side of a hijacked connection (attach, exec): container output out, client bytes in.
class Duplex : public Source<Chunk> {
 public:
  // Client bytes for the container's stdin. Returns false when the stream should end (detach keys). What the
  // container cannot take yet is kept: the caller then reads no more from the client until input_pending() is
  // false, waiting for input_fd() to become writable and calling flush_input(). Nothing here blocks, so output
  // keeps flowing while the container is not reading (a blocked writer would deadlock `cat`).
  virtual bool write_input(std::string_view bytes) = 0;
  // The client half-closed its side (takes effect once the kept input is out).
  virtual void close_input() = 0;
  virtual bool input_pending() const { return false; }
  virtual int input_fd() const { return -1; }
  virtual void flush_input() {}
  // True when the container has a TTY: output goes out raw instead of multiplexed.
  virtual bool tty() const = 0;
  // Called once the client has the response head. An exec's process starts only now (as podman's does): clients
  // that read the head through a buffer and then the raw socket would lose output sent right behind it.
  virtual void begin() {}
};

}  // namespace berth::core::streams
