// Exec sessions in SQLite (exec_sessions + their ids rows): the one place their rows are read and written.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/exec/service.hpp"
#include "core/store/store.hpp"

namespace berth::core::exec {

class ExecStore {
 public:
  explicit ExecStore(store::Store& store) : store_(store) {}

  void add(const ExecSession& s);
  // By full ID or unique prefix; nullopt when none. Several → invalid_argument.
  std::optional<ExecSession> find(std::string_view ref);
  void set_running(const std::string& id, int pid);
  // Only a running (or created) session changes: an exit recorded twice keeps the first.
  bool set_exited(const std::string& id, int exit_code);
  // Every session of every container whose row says running (for the sweep at start).
  std::vector<ExecSession> running();

 private:
  store::Store& store_;
};

}  // namespace berth::core::exec
