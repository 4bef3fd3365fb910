// ContainerStore: container rows (ids, containers, container_state) in SQLite, mirrored by a write-through
// in-memory index that list/inspect/resolve read without SQL or JSON parsing.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "core/model/container.hpp"
#include "core/store/db.hpp"
#include "core/store/store.hpp"

namespace berth::core::containers {

// One immutable snapshot.
struct ContainerIndex {
  std::map<std::string, std::shared_ptr<const Container>, std::less<>> by_id;  // sorted: prefix lookups
  std::map<std::string, std::string, std::less<>> by_name;                     // name → id
};

// A copy of the index edited inside one write transaction; published only after the commit.
class ContainerDraft {
 public:
  ContainerDraft(store::Db& db, const ContainerIndex& base) : db_(db), index_(base) {}

  store::Db& db() { return db_; }
  const ContainerIndex& index() const { return index_; }
  std::shared_ptr<const Container> find(const std::string& id) const;

  // Inserts the container (ids, containers, container_state rows). A name in use by a container or a pod →
  // Errc::conflict with docker's text.
  void add(const Container& c);
  void set_state(const std::string& id, const ContainerState& state);
  void rename(const std::string& id, const std::string& name);
  void remove(const std::string& id);

 private:
  store::Db& db_;
  ContainerIndex index_;
};

class ContainerStore {
 public:
  explicit ContainerStore(store::Store& store);

  std::shared_ptr<const ContainerIndex> index() const;
  // Runs edit on a draft inside one write transaction, then publishes it. Serialized; if edit throws, nothing is
  // published and the transaction rolls back.
  void mutate(const std::function<void(ContainerDraft&)>& edit);

 private:
  void load();

  store::Store& store_;
  std::mutex mutate_mutex_;
  mutable std::shared_mutex index_mutex_;
  std::shared_ptr<const ContainerIndex> index_;
};

// docker's conflict text for a name in use.
[[noreturn]] void name_in_use(const std::string& name, const std::string& holder_id);

}  // namespace berth::core::containers
