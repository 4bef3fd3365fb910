// The Duplex of an attached exec session. conmon waits on its start pipe until the client has the response head
// (begin); then the sync pipe reports the process's pid (or runc's failure), and later its exit code. The stream
// is held open until that exit code came, so the client's inspect right after the stream sees it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/streams/source.hpp"
#include "core/sys/fd.hpp"

namespace berth::core::exec {

// Called on the thread that pulls the stream; not called after the client detached or left.
struct ExecHooks {
  std::function<void(int pid)> started;
  // runc could not run the command: records the exit (126/127) and returns the text the client gets.
  std::function<std::string(const std::string& runc_error)> failed;
  std::function<void(std::optional<int> code)> exited;  // nullopt: conmon went without a code
};

std::unique_ptr<streams::Duplex> make_exec_duplex(std::unique_ptr<streams::Duplex> attach, sys::Fd start, sys::Fd sync,
                                                  ExecHooks hooks);

}  // namespace berth::core::exec
