// ContainerStore: rows ↔ Container records, and the draft/publish cycle of the index.
#include "core/containers/store.hpp"

#include "core/containers/spec_json.hpp"
#include "core/error.hpp"

namespace berth::core::containers {

namespace {

void bind_state(store::Stmt& st, const ContainerState& s) {
  st.bind_text(1, status_name(s.status))
      .bind_int64(2, s.pid)
      .bind_int64(3, s.conmon_pid)
      .bind_int64(5, s.started_ns)
      .bind_int64(6, s.finished_ns)
      .bind_int64(7, s.oom_killed ? 1 : 0)
      .bind_int64(8, s.restart_count)
      .bind_text(9, state_extra_to_json(s));
  if (s.exit_code)
    st.bind_int64(4, *s.exit_code);
  else
    st.bind_null(4);
}

}  // namespace

void name_in_use(const std::string& name, const std::string& holder_id) {
  fail(Errc::conflict, "Conflict. The container name \"/" + name + "\" is already in use by container \"" + holder_id +
                           "\". You have to remove (or rename) that container to be able to reuse that name.");
}

std::shared_ptr<const Container> ContainerDraft::find(const std::string& id) const {
  auto it = index_.by_id.find(id);
  return it == index_.by_id.end() ? nullptr : it->second;
}

void ContainerDraft::add(const Container& c) {
  if (auto it = index_.by_name.find(c.name); it != index_.by_name.end()) name_in_use(c.name, it->second);
  {
    // Pods share the name namespace (ids.name is UNIQUE across kinds).
    auto st = db_.prepare("SELECT id FROM ids WHERE name = ?1");
    st->bind_text(1, c.name);
    if (st->step()) name_in_use(c.name, st->column_text(0));
  }
  auto ids = db_.prepare("INSERT INTO ids(id, kind, name) VALUES(?1, 'container', ?2)");
  ids->bind_text(1, c.id).bind_text(2, c.name).run();
  auto row = db_.prepare(
      "INSERT INTO containers(id, name, image_id, image_name, created, config_json) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  row->bind_text(1, c.id).bind_text(2, c.name);
  if (c.spec.image_id.empty())
    row->bind_null(3);
  else
    row->bind_text(3, c.spec.image_id);
  row->bind_text(4, c.spec.image).bind_int64(5, c.created_ns).bind_text(6, spec_to_json(c.spec)).run();
  auto st = db_.prepare(
      "INSERT INTO container_state(state, pid, conmon_pid, exit_code, started_at, finished_at, oom_killed, "
      "restart_count, state_json, container_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  bind_state(*st, c.state);
  st->bind_text(10, c.id).run();
  index_.by_id[c.id] = std::make_shared<const Container>(c);
  index_.by_name[c.name] = c.id;
}

void ContainerDraft::set_state(const std::string& id, const ContainerState& state) {
  auto cur = find(id);
  if (!cur) fail(Errc::not_found, "no such container", id);
  auto st = db_.prepare(
      "UPDATE container_state SET state = ?1, pid = ?2, conmon_pid = ?3, exit_code = ?4, started_at = ?5, "
      "finished_at = ?6, oom_killed = ?7, restart_count = ?8, state_json = ?9 WHERE container_id = ?10");
  bind_state(*st, state);
  st->bind_text(10, id).run();
  auto next = std::make_shared<Container>(*cur);
  next->state = state;
  index_.by_id[id] = std::move(next);
}

void ContainerDraft::rename(const std::string& id, const std::string& name) {
  auto cur = find(id);
  if (!cur) fail(Errc::not_found, "no such container", id);
  if (auto it = index_.by_name.find(name); it != index_.by_name.end() && it->second != id)
    name_in_use(name, it->second);
  auto ids = db_.prepare("UPDATE ids SET name = ?1 WHERE id = ?2");
  ids->bind_text(1, name).bind_text(2, id).run();
  auto row = db_.prepare("UPDATE containers SET name = ?1 WHERE id = ?2");
  row->bind_text(1, name).bind_text(2, id).run();
  index_.by_name.erase(cur->name);
  index_.by_name[name] = id;
  auto next = std::make_shared<Container>(*cur);
  next->name = name;
  next->spec.name = name;
  index_.by_id[id] = std::move(next);
}

void ContainerDraft::remove(const std::string& id) {
  auto cur = find(id);
  if (!cur) return;
  // ids cascades to containers, which cascades to container_state; the exec sessions' own ids rows go first.
  db_.prepare("DELETE FROM ids WHERE id IN (SELECT id FROM exec_sessions WHERE container_id = ?1)")
      ->bind_text(1, id)
      .run();
  auto st = db_.prepare("DELETE FROM ids WHERE id = ?1");
  st->bind_text(1, id).run();
  index_.by_name.erase(cur->name);
  index_.by_id.erase(id);
}

ContainerStore::ContainerStore(store::Store& store) : store_(store) { load(); }

void ContainerStore::load() {
  auto index = std::make_shared<ContainerIndex>();
  store_.read([&](store::Db& db) {
    auto st = db.prepare(
        "SELECT c.id, c.name, c.created, c.config_json, s.state, s.pid, s.conmon_pid, s.exit_code, s.started_at, "
        "s.finished_at, s.oom_killed, s.restart_count, s.state_json FROM containers c "
        "JOIN container_state s ON s.container_id = c.id");
    while (st->step()) {
      auto c = std::make_shared<Container>();
      c->id = st->column_text(0);
      c->name = st->column_text(1);
      c->created_ns = st->column_int64(2);
      c->spec = spec_from_json(st->column_text(3));
      c->spec.name = c->name;
      c->state.status = status_from_name(st->column_text(4));
      c->state.pid = static_cast<int>(st->column_int64(5));
      c->state.conmon_pid = static_cast<int>(st->column_int64(6));
      if (!st->column_is_null(7)) c->state.exit_code = static_cast<int>(st->column_int64(7));
      c->state.started_ns = st->column_int64(8);
      c->state.finished_ns = st->column_int64(9);
      c->state.oom_killed = st->column_int64(10) != 0;
      c->state.restart_count = static_cast<int>(st->column_int64(11));
      state_extra_from_json(st->column_text(12), c->state);
      index->by_name[c->name] = c->id;
      index->by_id[c->id] = std::move(c);
    }
  });
  std::unique_lock lock(index_mutex_);
  index_ = std::move(index);
}

std::shared_ptr<const ContainerIndex> ContainerStore::index() const {
  std::shared_lock lock(index_mutex_);
  return index_;
}

void ContainerStore::mutate(const std::function<void(ContainerDraft&)>& edit) {
  std::lock_guard serial(mutate_mutex_);
  auto base = index();
  std::optional<ContainerDraft> draft;
  store_.write([&](store::Db& db) {
    draft.emplace(db, *base);
    edit(*draft);
  });
  auto next = std::make_shared<const ContainerIndex>(draft->index());
  std::unique_lock lock(index_mutex_);
  index_ = std::move(next);
}

}  // namespace berth::core::containers
