// STUB (helper replaces).
#include "core/system/service.hpp"
namespace berth::core {
SystemService::SystemService(const Config&, store::Store&) {}
}  // namespace berth::core
