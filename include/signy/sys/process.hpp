// Running a helper program (docker credential helpers): no shell, the program found on PATH,
// its standard input given, its standard output captured up to a cap, a deadline after which it
// is killed with every process it started (its own process group). Standard error goes to
// /dev/null (helpers may print secrets there).
#pragma once
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "signy/util/result.hpp"

namespace signy::sys {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string output;  // standard output
};

// Errc::not_found when the program is not on PATH, Errc::too_large past max_output, Errc::network
// (the timeout category) past the deadline; a non-zero exit is a result, not an error.
Result<RunResult> run(const std::vector<std::string>& argv, std::string_view input, std::chrono::milliseconds timeout,
                      std::size_t max_output);

}  // namespace signy::sys
