#include "server/charts.hpp"

#include <algorithm>
#include <numeric>

#include "common/text.hpp"
#include "notify/mustache.hpp"

namespace maestro {

namespace {

// Eight colours distinguishable with common colour-vision deficiencies (Okabe-Ito), dark
// enough for 3:1 contrast against white.
constexpr const char* k_colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                     "#E69F00", "#56B4E9", "#000000", "#F0E442"};

}  // namespace

std::string stacked_bar_chart_svg(const std::string& title, const std::vector<std::string>& categories,
                                  const std::vector<BarSeries>& series) {
  const int width = 720, height = 300, left = 44, bottom = 40, top = 16, legend_width = 200;
  const int plot_width = width - left - legend_width, plot_height = height - top - bottom;
  int highest = 1;
  for (std::size_t i = 0; i < categories.size(); ++i) {
    int total = 0;
    for (const auto& s : series) total += i < s.values.size() ? s.values[i] : 0;
    highest = std::max(highest, total);
  }
  highest = (highest + 3) / 4 * 4;  // four gridlines at whole numbers
  std::string out =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"chart-title\" "
      "viewBox=\"0 0 " +
      std::to_string(width) + " " + std::to_string(height) +
      "\" width=\"100%\" class=\"chart\"><title id=\"chart-title\">" + html_escape(title) + "</title>";
  // Axis with a few gridlines.
  for (int step = 0; step <= 4; ++step) {
    int value = highest * step / 4;
    int y = top + plot_height - plot_height * step / 4;
    out += "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(y) + "\" x2=\"" +
           std::to_string(left + plot_width) + "\" y2=\"" + std::to_string(y) + "\" stroke=\"#c8c8c8\"/>";
    out += "<text x=\"" + std::to_string(left - 6) + "\" y=\"" + std::to_string(y + 4) +
           "\" text-anchor=\"end\" font-size=\"12\" fill=\"#1a1a1a\">" + std::to_string(value) + "</text>";
  }
  const double slot =
      categories.empty() ? plot_width : static_cast<double>(plot_width) / static_cast<double>(categories.size());
  const double bar = slot * 0.7;
  for (std::size_t i = 0; i < categories.size(); ++i) {
    double x = left + slot * static_cast<double>(i) + (slot - bar) / 2;
    int stacked = 0;
    for (std::size_t s = 0; s < series.size(); ++s) {
      int v = i < series[s].values.size() ? series[s].values[i] : 0;
      if (v == 0) continue;
      int y0 = top + plot_height - plot_height * stacked / highest;
      int y1 = top + plot_height - plot_height * (stacked + v) / highest;
      stacked += v;
      out += "<rect x=\"" + std::to_string(static_cast<int>(x)) + "\" y=\"" + std::to_string(y1) + "\" width=\"" +
             std::to_string(static_cast<int>(bar)) + "\" height=\"" + std::to_string(std::max(1, y0 - y1)) +
             "\" fill=\"" + k_colours[s % 8] + "\"><title>" +
             html_escape(categories[i] + ", " + series[s].name + ": " + std::to_string(v)) + "</title></rect>";
    }
    out += "<text x=\"" + std::to_string(static_cast<int>(x + bar / 2)) + "\" y=\"" +
           std::to_string(top + plot_height + 16) + "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#1a1a1a\">" +
           html_escape(categories[i]) + "</text>";
  }
  for (std::size_t s = 0; s < series.size(); ++s) {
    int y = top + 14 + static_cast<int>(s) * 20;
    int x = left + plot_width + 16;
    out += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y - 10) +
           "\" width=\"12\" height=\"12\" fill=\"" + k_colours[s % 8] + "\"/><text x=\"" + std::to_string(x + 18) +
           "\" y=\"" + std::to_string(y) + "\" font-size=\"12\" fill=\"#1a1a1a\">" + html_escape(series[s].name) +
           "</text>";
  }
  return out + "</svg>";
}

}  // namespace maestro
