// berthd's command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/daemon.hpp"

namespace berth {

struct CommandLine {
  std::string root = "/var/lib/berth";
  std::string runroot = "/run/berth";
  std::string config_file;
  std::string log_level = "info";
  DaemonOptions daemon;
  bool help = false;
  bool version = false;
};

// Parses argv; throws core::Error(invalid_argument) with a message fit for the user.
CommandLine parse_command_line(int argc, const char* const* argv);

std::string usage();

}  // namespace berth
