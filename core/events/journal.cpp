// The events table: insert, trim, replay.
#include "core/events/journal.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace berth::core::events::journal {
namespace {

std::map<std::string, std::string> parse_attributes(const std::string& text) {
  // A row written by a newer or broken build must not end a subscriber's stream: treat it as no attributes.
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::map<std::string, std::string> out;
  if (!json.is_object()) return out;
  for (const auto& [key, value] : json.items())
    if (value.is_string()) out[key] = value.get<std::string>();
  return out;
}

std::int64_t newest_seq(store::Db& db) {
  auto stmt = db.prepare("SELECT coalesce(max(seq), 0) FROM events");
  return stmt->step() ? stmt->column_int64(0) : 0;
}

}  // namespace

std::int64_t append(store::Db& db, const Event& e) {
  auto stmt = db.prepare(
      "INSERT INTO events (time, type, action, actor_id, actor_name, attributes_json) VALUES (?, ?, ?, ?, ?, ?)");
  stmt->bind_int64(1, e.time_ns)
      .bind_text(2, e.type)
      .bind_text(3, e.action)
      .bind_text(4, e.id)
      .bind_text(5, e.name)
      .bind_text(6, nlohmann::json(e.attributes).dump());
  stmt->run();
  return db.last_insert_rowid();
}

void trim(store::Db& db, std::size_t keep) {
  auto stmt = db.prepare("DELETE FROM events WHERE seq <= (SELECT coalesce(max(seq), 0) FROM events) - ?");
  stmt->bind_int64(1, static_cast<std::int64_t>(keep));
  stmt->run();
  // seq has gaps (rolled-back inserts, trimmed rows): count, and cut by rank if the seq window kept too many.
  if (count(db) > keep) {
    auto exact = db.prepare("DELETE FROM events WHERE seq NOT IN (SELECT seq FROM events ORDER BY seq DESC LIMIT ?)");
    exact->bind_int64(1, static_cast<std::int64_t>(keep));
    exact->run();
  }
}

std::size_t count(store::Db& db) {
  auto stmt = db.prepare("SELECT count(*) FROM events");
  return stmt->step() ? static_cast<std::size_t>(stmt->column_int64(0)) : 0;
}

Replay read(store::Db& db, std::int64_t since_ns, std::int64_t until_ns, const EventPredicate& keep, bool rows) {
  Replay out;
  out.last_seq = newest_seq(db);
  if (!rows) return out;
  auto stmt = db.prepare(
      "SELECT time, type, action, actor_id, actor_name, attributes_json FROM events "
      "WHERE time >= ? AND time <= ? AND seq <= ? ORDER BY seq");
  stmt->bind_int64(1, since_ns).bind_int64(2, until_ns).bind_int64(3, out.last_seq);
  while (stmt->step()) {
    Event e{.type = stmt->column_text(1),
            .action = stmt->column_text(2),
            .id = stmt->column_text(3),
            .name = stmt->column_text(4),
            .attributes = parse_attributes(stmt->column_text(5)),
            .time_ns = stmt->column_int64(0)};
    if (keep(e)) out.events.push_back(std::move(e));
  }
  return out;
}

}  // namespace berth::core::events::journal
