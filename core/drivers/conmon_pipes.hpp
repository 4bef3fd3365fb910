// What conmon's container and exec launches share: its SEQPACKET pipes, their JSON messages, its pid files
// (PRIMITIVES.md §2-3), and its ctl fifo. For core/drivers and the services that talk to conmon's files.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/sys/fd.hpp"

namespace berth::core::drivers::conmon_pipes {

// The fds conmon finds its pipes on (named to it by _OCI_SYNCPIPE, _OCI_STARTPIPE, _OCI_ATTACHPIPE).
constexpr int kSyncFd = 3;
constexpr int kStartFd = 4;
constexpr int kAttachFd = 5;
// The first conmon process exits right after it forks the monitor.
constexpr std::chrono::seconds kFirstExitTimeout{10};

struct SocketPair {
  sys::Fd ours;
  sys::Fd child;
};

// A close-on-exec SOCK_SEQPACKET pair; the child end is mapped onto a fixed fd of conmon.
SocketPair seqpacket_pair();

// One packet, waiting at most `timeout`: nullopt on timeout, "" on EOF (conmon died without a word).
std::optional<std::string> read_packet(int fd, std::chrono::milliseconds timeout);

// conmon's {"data": N, "message": "..."}; nullopt when the packet is not that.
struct PipeMessage {
  int data = 0;
  std::string message;
};
std::optional<PipeMessage> parse_message(const std::string& packet);

// Sends the one byte conmon waits for on its start pipe; false (errno set) when conmon is gone.
bool send_start_byte(int fd);

// The positive pid a pid file holds, or 0.
int read_pid_file(const std::string& path);

// Asks conmon to resize the TTY through `dir`/ctl ("1 H W\n", what podman writes). No fifo → conflict.
void write_resize(const std::string& dir, int height, int width);

}  // namespace berth::core::drivers::conmon_pipes
