// The libpod exec start body: the docker tree's parse, then podman's rules for Tty and the size.
#include "api/shapes/exec.hpp"

#include "compat/shapes/exec.hpp"

namespace berth::api::shapes {

core::exec::ExecStartOptions libpod_exec_start_from_json(std::string_view body) {
  auto opts = compat::shapes::exec_start_from_json(body);
  bool tty = opts.tty.value_or(false);
  opts.tty.reset();
  if (!tty) opts.height = opts.width = 0;
  return opts;
}

}  // namespace berth::api::shapes
