// ExecService: placeholder until the implementation lands.
#include "core/exec/service.hpp"

#include "core/error.hpp"

namespace berth::core::exec {

struct ExecService::Impl {};

ExecService::ExecService(const Config&, store::Store&, events::EventSink&, containers::ContainerService&,
                         drivers::Monitor&)
    : impl_(std::make_unique<Impl>()) {}
ExecService::~ExecService() = default;

std::string ExecService::create(std::string_view, const ExecConfig&) { fail(Errc::not_implemented, "exec"); }
std::unique_ptr<streams::Duplex> ExecService::start(std::string_view, const ExecStartOptions&) {
  fail(Errc::not_implemented, "exec");
}
ExecSession ExecService::inspect(std::string_view) { fail(Errc::not_implemented, "exec"); }
void ExecService::resize(std::string_view, int, int) { fail(Errc::not_implemented, "exec"); }

}  // namespace berth::core::exec
