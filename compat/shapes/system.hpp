// Docker-shaped system documents: GET /info, the /version document both trees answer, and the _ping reply.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/model/system.hpp"
#include "server/http/reply.hpp"

namespace berth::compat::shapes {

// The podman release whose API berthd answers as: clients show it as the server version.
inline constexpr std::string_view kPodmanVersion = "4.3.1";
// What podman 4.3.1 reports as its buildah (Debian 12's build: 1.28.2, measured).
inline constexpr std::string_view kBuildahVersion = "1.28.2";
// The GoVersion fields: berthd is no Go program. Clients only print this string.
inline constexpr std::string_view kGoVersion = "n/a";
// Go's ANSIC layout of the build time, as podman prints BuiltTime.
std::string ansic_time(std::int64_t unix_seconds);
// Go's RFC 3339 layout in UTC ("1970-01-01T00:00:00Z").
std::string rfc3339_time(std::int64_t unix_seconds);
// podman's uptime text: "0h 10m 48.00s", plus " (Approximately 1.50 days)" past the first hour.
std::string uptime_text(double seconds);

// GET /info (podman's compat.GetInfo: docker's system.Info plus podman's extra fields).
nlohmann::json info_json(const core::HostInfo& info);

// GET /version and GET /libpod/version: podman answers both with this one docker-shaped document, whose
// Components name the engine, conmon and the OCI runtime; berthd adds itself as a fourth component.
nlohmann::json version_json(const core::VersionInfo& version);

// GET|HEAD /_ping and /libpod/_ping: "OK" (none for HEAD) and the headers both docker and podman clients read.
// API-Version, Libpod-API-Version and Server are added to every response by the server and are not set here.
http::Reply ping_reply(bool head);

}  // namespace berth::compat::shapes
