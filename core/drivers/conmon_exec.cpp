// Conmon::exec: an exec session through conmon's exec mode (PRIMITIVES.md §3).
#include "core/drivers/conmon_pipes.hpp"
#include "core/drivers/monitor.hpp"
#include "core/error.hpp"

namespace berth::core::drivers {

ExecLaunched Monitor::exec(const ExecLaunchSpec&) { fail(Errc::not_implemented, "this monitor cannot exec"); }

ExecLaunched Conmon::exec(const ExecLaunchSpec&) { fail(Errc::not_implemented, "exec"); }

}  // namespace berth::core::drivers
