// Charts for the dashboard, drawn as SVG on the server: no script, readable by screen readers
// (role="img" with a title and a description), and always shown next to a table of the same
// numbers. Colours are SVG presentation attributes, which the pages' CSP allows.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace maestro {

struct BarSeries {
  std::string name;          // e.g. a right
  std::vector<int> values;   // one per category, in order
};

// A stacked bar chart: one bar per category (e.g. month), one colour per series, with a legend.
std::string stacked_bar_chart_svg(const std::string& title, const std::vector<std::string>& categories,
                                  const std::vector<BarSeries>& series);

}  // namespace maestro
