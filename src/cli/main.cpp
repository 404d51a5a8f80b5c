#include <iostream>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
  return maestro::cli::run(argc, argv, std::cin, std::cout, std::cerr);
}
