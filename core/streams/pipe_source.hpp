// PipeSource: a byte stream made by a blocking producer (save, export, archive GET) on its own thread, writing
// into a pipe whose read end is the Source the server pumps. No IO thread ever waits for the producer.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "core/streams/source.hpp"

namespace berth::core::streams {

class PipeSource final : public Source<Chunk> {
 public:
  // Writes the whole stream into write_fd (blocking writes; the fd is closed by the source afterwards). An
  // exception ends the stream: before the first byte it is rethrown by start(), after it next() throws it.
  using Producer = std::function<void(int write_fd)>;

  // Starts the producer thread. chunk_size: the most next() returns at once.
  explicit PipeSource(Producer producer, std::size_t chunk_size = 1 << 20);
  // Closes the read end first, so a producer blocked in write() gets EPIPE, then joins it (detaches it if it is
  // still busy after a short wait, so a slow producer never holds the caller's thread).
  ~PipeSource() override;
  PipeSource(const PipeSource&) = delete;
  PipeSource& operator=(const PipeSource&) = delete;

  // Blocks until the producer has written its first bytes or finished. Rethrows what it threw before writing
  // anything, so a handler can still answer a plain error reply. Call from the work pool.
  void start();

  int wait_fd() const override;
  Poll next(Chunk& out) override;

  struct State;  // shared with the producer thread (public only so the .cpp's helpers can name it)

 private:
  std::shared_ptr<State> state_;
  std::size_t chunk_size_;
};

}  // namespace berth::core::streams
