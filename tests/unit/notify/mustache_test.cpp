#include "notify/mustache.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace maestro {
namespace {

TEST(Mustache, PagesAreEscapedEvenAfterALetterWasRendered) {
  mstch::map context{{"name", std::string("<script>alert('x')</script> & co")}};
  EXPECT_EQ(render_plain_text("Dear {{name}}", context), "Dear <script>alert('x')</script> & co");
  EXPECT_EQ(render_html("<p>{{name}}</p>", context),
            "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;&#x2F;script&gt; &amp; co</p>");
  EXPECT_EQ(render_plain_text("Dear {{name}}", context), "Dear <script>alert('x')</script> & co");
  EXPECT_EQ(render_html("{{> content}}", context, {{"content", "<b>{{name}}</b>"}}),
            "<b>&lt;script&gt;alert(&#39;x&#39;)&lt;&#x2F;script&gt; &amp; co</b>");
}

TEST(Mustache, LettersAndPagesRenderedAtOnceOnManyThreadsKeepTheirOwnEscaping) {
  mstch::map context{{"v", std::string("<i>")}};
  std::vector<std::thread> threads;
  std::vector<int> wrong(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        bool plain = (t + i) % 2 == 0;
        std::string out = plain ? render_plain_text("{{v}}", context) : render_html("{{v}}", context);
        if (out != (plain ? "<i>" : "&lt;i&gt;")) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace maestro
