// Runc: the OCI runtime driver; every call is one `runc --root ROOT --log-format json ...` run.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "core/drivers/oci_runtime.hpp"
#include "core/drivers/runc_errors.hpp"
#include "core/error.hpp"
#include "core/sys/process.hpp"

namespace berth::core::drivers {
namespace {

// runc talks to the container's init over a socket; a wedged container must not hold a worker thread forever.
constexpr std::chrono::seconds kRuncTimeout{60};

bool unknown_container(std::string_view msg) { return msg.find("does not exist") != std::string_view::npos; }

bool not_running(std::string_view msg) {
  return msg.find("not running") != std::string_view::npos || msg.find("stopped") != std::string_view::npos ||
         msg.find("not paused") != std::string_view::npos || msg.find("not stopped") != std::string_view::npos;
}

}  // namespace

Runc::Runc(std::string binary, std::string root) : binary_(std::move(binary)), root_(std::move(root)) {
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) fail(Errc::internal, ec.message(), "creating runc root " + root_);
}

namespace {

// Runs runc with the global flags; JSON logging makes its error text machine-readable.
sys::ProcessResult invoke(const Runc& runc, std::vector<std::string> args, std::string stdin_data = {}) {
  std::vector<std::string> argv{runc.binary(), "--root", runc.root(), "--log-format", "json"};
  for (auto& a : args) argv.push_back(std::move(a));
  sys::SpawnOptions opts;
  opts.stdin_data = std::move(stdin_data);
  opts.timeout = kRuncTimeout;
  return sys::run(argv, opts);
}

// Throws the failure of `runc <verb> <id>`: a container the runtime does not know → not_found, one in the wrong
// state → conflict, anything else → internal.
[[noreturn]] void fail_runc(std::string_view verb, const std::string& id, const sys::ProcessResult& r) {
  std::string msg = runc_message(r.err, r.out);
  if (msg.empty()) msg = "runc " + std::string(verb) + " exited with code " + std::to_string(r.exit_code);
  Errc code = Errc::internal;
  if (unknown_container(msg)) {
    code = Errc::not_found;
  } else if (not_running(msg)) {
    code = Errc::conflict;
  }
  fail(code, msg, "runc " + std::string(verb) + " " + id);
}

}  // namespace

bool Runc::known(const std::string& id) {
  struct stat st {};
  return ::stat((root_ + "/" + id + "/state.json").c_str(), &st) == 0;
}

std::optional<RuntimeState> Runc::state(const std::string& id) {
  if (!known(id)) return std::nullopt;
  auto r = invoke(*this, {"state", id});
  if (r.exit_code != 0) {
    if (unknown_container(runc_message(r.err, r.out))) return std::nullopt;
    fail_runc("state", id, r);
  }
  try {
    auto doc = nlohmann::json::parse(r.out);
    RuntimeState st;
    st.status = doc.value("status", "");
    st.pid = doc.value("pid", 0);
    return st;
  } catch (const nlohmann::json::exception& e) {
    fail(Errc::internal, e.what(), "parsing runc state " + id);
  }
}

void Runc::start(const std::string& id) {
  auto r = invoke(*this, {"start", id});
  if (r.exit_code != 0) fail_runc("start", id, r);
}

void Runc::kill(const std::string& id, int signal, bool all) {
  std::vector<std::string> args{"kill"};
  if (all) args.emplace_back("--all");
  args.push_back(id);
  args.push_back(std::to_string(signal));
  auto r = invoke(*this, std::move(args));
  if (r.exit_code != 0) fail_runc("kill", id, r);
}

void Runc::pause(const std::string& id) {
  auto r = invoke(*this, {"pause", id});
  if (r.exit_code != 0) fail_runc("pause", id, r);
}

void Runc::resume(const std::string& id) {
  auto r = invoke(*this, {"resume", id});
  if (r.exit_code != 0) fail_runc("resume", id, r);
}

void Runc::remove(const std::string& id, bool force) {
  if (!known(id)) return;  // nothing to delete: spare the exec
  std::vector<std::string> args{"delete"};
  if (force) args.emplace_back("--force");
  args.push_back(id);
  auto r = invoke(*this, std::move(args));
  if (r.exit_code == 0) return;
  if (unknown_container(runc_message(r.err, r.out))) return;
  fail_runc("delete", id, r);
}

void Runc::update(const std::string& id, const std::string& resources_json) {
  auto r = invoke(*this, {"update", "-r", "-", id}, resources_json);
  if (r.exit_code != 0) fail_runc("update", id, r);
}

std::vector<int> Runc::pids(const std::string& id) {
  auto r = invoke(*this, {"ps", "--format", "json", id});
  if (r.exit_code != 0) fail_runc("ps", id, r);
  try {
    auto doc = nlohmann::json::parse(r.out);
    if (doc.is_null()) return {};  // Go marshals an empty slice as null
    return doc.get<std::vector<int>>();
  } catch (const nlohmann::json::exception& e) {
    fail(Errc::internal, e.what(), "parsing runc ps " + id);
  }
}

}  // namespace berth::core::drivers
