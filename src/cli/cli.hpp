// The `maestro` command line: a thin front end over the desk.
#pragma once

#include <iosfwd>

namespace maestro::cli {

// Parses and runs one command line; returns the process exit status.
int run(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace maestro::cli
