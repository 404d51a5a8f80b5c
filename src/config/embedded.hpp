// Data files compiled into the binary (data/policy, data/calendars), so that `maestro` works
// with no files beside it. Names are paths relative to data/, e.g. "calendars/us-federal.yaml".
#pragma once

#include <string_view>
#include <vector>

namespace maestro::embedded {

struct File {
  std::string_view name;
  std::string_view content;
};

const std::vector<File>& files();

}  // namespace maestro::embedded
