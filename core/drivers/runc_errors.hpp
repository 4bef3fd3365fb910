// Extracting runc's error text from what it wrote (JSON log lines, logrus text lines, or plain text).
#pragma once

#include <string>
#include <string_view>

namespace berth::core::drivers {

// The last error message in `err` (then `out`): the "msg" of the last JSON log line at level error (or any level
// when none is an error), the msg="..." of a logrus text line, else the trimmed text. Empty when there is none.
std::string runc_message(std::string_view err, std::string_view out = {});

// True when a runc failure says the process's executable does not exist (a user error, not an engine fault).
bool missing_executable(std::string_view msg);

}  // namespace berth::core::drivers
