// nomad-certd entry point: only wiring (environment, streams) around the CLI.
#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  const auto env = nc::config::Environment::fromProcess();
  return nc::cli::runCli(argc, argv, {std::cout, std::cerr, env});
}
