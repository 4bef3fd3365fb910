// Exec session rows: the config as JSON, the state as podman names it ("created", "running", "stopped").
#include "core/exec/exec_store.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace berth::core::exec {
namespace {

std::string config_json(const ExecConfig& c) {
  nlohmann::json j = {{"cmd", c.cmd},
                      {"env", c.env},
                      {"working_dir", c.working_dir},
                      {"user", c.user},
                      {"privileged", c.privileged},
                      {"tty", c.tty},
                      {"attach_stdin", c.attach_stdin},
                      {"attach_stdout", c.attach_stdout},
                      {"attach_stderr", c.attach_stderr},
                      {"console_height", c.console_height},
                      {"console_width", c.console_width}};
  if (c.detach_keys) j["detach_keys"] = *c.detach_keys;
  return j.dump();
}

ExecConfig parse_config(const std::string& text) {
  ExecConfig c;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return c;
  c.cmd = j.value("cmd", std::vector<std::string>{});
  c.env = j.value("env", std::vector<std::string>{});
  c.working_dir = j.value("working_dir", "");
  c.user = j.value("user", "");
  c.privileged = j.value("privileged", false);
  c.tty = j.value("tty", false);
  c.attach_stdin = j.value("attach_stdin", false);
  c.attach_stdout = j.value("attach_stdout", false);
  c.attach_stderr = j.value("attach_stderr", false);
  c.console_height = j.value("console_height", 0);
  c.console_width = j.value("console_width", 0);
  if (j.contains("detach_keys") && j["detach_keys"].is_string()) c.detach_keys = j["detach_keys"].get<std::string>();
  return c;
}

const char* state_name(ExecState s) {
  switch (s) {
    case ExecState::created:
      return "created";
    case ExecState::running:
      return "running";
    case ExecState::exited:
      break;
  }
  return "stopped";
}

ExecState parse_state(const std::string& s) {
  if (s == "created") return ExecState::created;
  if (s == "running") return ExecState::running;
  return ExecState::exited;
}

constexpr const char* kColumns =
    "SELECT id, container_id, state, pid, exit_code, created, config_json FROM exec_sessions";

ExecSession read_row(store::Stmt& st) {
  ExecSession s;
  s.id = st.column_text(0);
  s.container_id = st.column_text(1);
  s.state = parse_state(st.column_text(2));
  s.pid = static_cast<int>(st.column_int64(3));
  if (!st.column_is_null(4)) s.exit_code = static_cast<int>(st.column_int64(4));
  s.created_ns = st.column_int64(5);
  s.config = parse_config(st.column_text(6));
  return s;
}

}  // namespace

void ExecStore::add(const ExecSession& s) {
  store_.write([&](store::Db& db) {
    db.prepare("INSERT INTO ids(id, kind, name) VALUES(?1, 'exec', NULL)")->bind_text(1, s.id).run();
    auto st = db.prepare(
        "INSERT INTO exec_sessions(id, container_id, state, pid, created, config_json) VALUES(?1, ?2, ?3, 0, ?4, ?5)");
    st->bind_text(1, s.id).bind_text(2, s.container_id).bind_text(3, state_name(s.state));
    st->bind_int64(4, s.created_ns).bind_text(5, config_json(s.config)).run();
  });
}

std::optional<ExecSession> ExecStore::find(std::string_view ref) {
  if (ref.empty() || ref.find_first_not_of("0123456789abcdef") != std::string_view::npos) return std::nullopt;
  return store_.read([&](store::Db& db) -> std::optional<ExecSession> {
    if (ref.size() == 64) {
      auto st = db.prepare(std::string(kColumns) + " WHERE id = ?1");
      st->bind_text(1, ref);
      if (st->step()) return read_row(*st);
      return std::nullopt;
    }
    // A hex prefix: [ref, ref + "g") holds exactly the IDs that start with it.
    auto st = db.prepare(std::string(kColumns) + " WHERE id >= ?1 AND id < ?2 LIMIT 2");
    st->bind_text(1, ref).bind_text(2, std::string(ref) + "g");
    if (!st->step()) return std::nullopt;
    ExecSession s = read_row(*st);
    if (st->step()) fail(Errc::invalid_argument, "multiple IDs found with provided prefix: " + std::string(ref));
    return s;
  });
}

void ExecStore::set_running(const std::string& id, int pid) {
  store_.write([&](store::Db& db) {
    db.prepare("UPDATE exec_sessions SET state = 'running', pid = ?2 WHERE id = ?1")
        ->bind_text(1, id)
        .bind_int64(2, pid)
        .run();
  });
}

bool ExecStore::set_exited(const std::string& id, int exit_code) {
  return store_.write([&](store::Db& db) {
    db.prepare("UPDATE exec_sessions SET state = 'stopped', exit_code = ?2 WHERE id = ?1 AND state != 'stopped'")
        ->bind_text(1, id)
        .bind_int64(2, exit_code)
        .run();
    return db.changes() > 0;
  });
}

std::vector<ExecSession> ExecStore::running() {
  return store_.read([&](store::Db& db) {
    std::vector<ExecSession> out;
    auto st = db.prepare(std::string(kColumns) + " WHERE state = 'running'");
    while (st->step()) out.push_back(read_row(*st));
    return out;
  });
}

}  // namespace berth::core::exec
