// OciRuntime: the OCI runtime as the engine drives it (runc with a private --root; PRIMITIVES.md §1, §5).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace berth::core::drivers {

struct RuntimeState {
  std::string status;  // "created", "running", "paused", "stopped"
  int pid = 0;
};

class OciRuntime {
 public:
  virtual ~OciRuntime() = default;

  // `runc state`; nullopt when the runtime does not know the container (never created, or deleted).
  virtual std::optional<RuntimeState> state(const std::string& id) = 0;
  // Whether the runtime holds state for id, without running it (a cycle spent ~10 ms per needless runc exec).
  virtual bool known(const std::string& id) { return state(id).has_value(); }
  // `runc start`: runs the process of a created container.
  virtual void start(const std::string& id) = 0;
  // `runc kill [--all] ID SIG`. A container that is not running → Errc::conflict.
  virtual void kill(const std::string& id, int signal, bool all) = 0;
  virtual void pause(const std::string& id) = 0;   // `runc pause` (v1 freezer)
  virtual void resume(const std::string& id) = 0;  // `runc resume`
  // `runc delete [--force]`; a container the runtime does not know is not an error.
  virtual void remove(const std::string& id, bool force) = 0;
  // `runc update -r -` with an OCI LinuxResources JSON document.
  virtual void update(const std::string& id, const std::string& resources_json) = 0;
  // Host PIDs of every process in the container (`runc ps --format json`).
  virtual std::vector<int> pids(const std::string& id) = 0;
};

// Failures are core::Error with runc's stderr (its last "msg" when it logs JSON) as the cause.
class Runc final : public OciRuntime {
 public:
  // binary: /usr/sbin/runc; root: $RUN/runc (created if missing).
  Runc(std::string binary, std::string root);

  std::optional<RuntimeState> state(const std::string& id) override;
  bool known(const std::string& id) override;  // runc's <root>/<id>/state.json exists
  void start(const std::string& id) override;
  void kill(const std::string& id, int signal, bool all) override;
  void pause(const std::string& id) override;
  void resume(const std::string& id) override;
  void remove(const std::string& id, bool force) override;
  void update(const std::string& id, const std::string& resources_json) override;
  std::vector<int> pids(const std::string& id) override;

  const std::string& binary() const { return binary_; }
  const std::string& root() const { return root_; }

 private:
  std::string binary_;
  std::string root_;
};

}  // namespace berth::core::drivers
