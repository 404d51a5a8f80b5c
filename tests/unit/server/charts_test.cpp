#include "server/charts.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(Charts, AStackedBarChartIsAnAccessibleEscapedSvg) {
  std::string svg = stacked_bar_chart_svg("Requests <2026>", {"Jan", "Feb"},
                                          {{"access", {2, 0}}, {"erasure & <b>", {1, 3}}});
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\""));
  EXPECT_NE(svg.find("<title id=\"chart-title\">Requests &lt;2026&gt;</title>"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);  // series names are escaped
  // Three non-empty segments and two legend keys; every segment says its value.
  EXPECT_EQ(count(svg, "</rect>"), 3u);
  EXPECT_NE(svg.find("<title>Feb, erasure &amp; &lt;b&gt;: 3</title>"), std::string::npos);
  EXPECT_EQ(count(svg, "width=\"12\" height=\"12\""), 2u);
  // The axis tops at a multiple of four above the tallest bar (4 here).
  EXPECT_NE(svg.find(">4</text>"), std::string::npos);
  EXPECT_EQ(svg.find(" style="), std::string::npos);  // no inline CSS: the pages' CSP forbids it
}

TEST(Charts, AnEmptyYearStillDraws) {
  std::string svg = stacked_bar_chart_svg("Nothing", {"Jan"}, {});
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(count(svg, "</rect>"), 0u);
}

}  // namespace
}  // namespace maestro
