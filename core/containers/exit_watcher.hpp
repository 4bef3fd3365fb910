// ExitWatcher: a thread that watches conmon's exits dir with inotify and reports each exit file written there.
#pragma once

#include <functional>
#include <string>
#include <thread>

namespace berth::core::containers {

class ExitWatcher {
 public:
  // Watches `dir` (created if missing) from now on; on_exit(name) runs on the watcher thread for every file
  // closed after writing or moved into it. Files already there are the caller's to process (after this starts,
  // so none is missed).
  ExitWatcher(std::string dir, std::function<void(const std::string&)> on_exit);
  ~ExitWatcher();  // stops and joins the thread
  ExitWatcher(const ExitWatcher&) = delete;
  ExitWatcher& operator=(const ExitWatcher&) = delete;

 private:
  void run();

  std::string dir_;
  std::function<void(const std::string&)> on_exit_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;
};

}  // namespace berth::core::containers
