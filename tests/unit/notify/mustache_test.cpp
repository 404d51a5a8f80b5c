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

// Syntax errors are found before anything is rendered, with the file and line to fix.
TEST(MustacheSyntax, GoodTemplatesPass) {
  EXPECT_TRUE(
      check_mustache("Dear {{name}},\n{{#items}}- {{title}}\n{{/items}}{{^items}}none{{/items}}\n{{! a note }}"
                     "{{{raw}}} {{& raw}} {{ spaced }}",
                     "t.mustache"));
}

TEST(MustacheSyntax, EachErrorNamesTheFileAndLine) {
  struct Case {
    const char* text;
    const char* expected;
  };
  for (const Case& c :
       {Case{"line 1\nline {{name\n", "t.mustache:2: '{{' is not closed"},
        Case{"{{#items}}\n\n{{/item}}", "t.mustache:3: '{{/item}}' closes 'items', opened on line 1"},
        Case{"a\n{{#items}}\nb", "t.mustache:2: the section 'items' is never closed"},
        Case{"{{/items}}", "t.mustache:1: '{{/items}}' closes a section that was never opened"},
        Case{"a\nb\nname}} here", "t.mustache:3: '}}' closes no tag"},
        Case{"{{=<% %>=}}", "t.mustache:1: changing the delimiters"}, Case{"{{> header}}", "t.mustache:1: partials"},
        Case{"{{first name}}", "t.mustache:1: '{{first name}}' is not a value's name"},
        Case{"{{{raw}}", "t.mustache:1: '{{{' is not closed by '}}}'"},
        Case{"{{a {{b}}", "t.mustache:1: '{{' is not closed"}}) {
    auto checked = check_mustache(c.text, "t.mustache");
    ASSERT_FALSE(checked) << c.text;
    EXPECT_EQ(checked.error().message.find(c.expected), 0u) << c.text << " -> " << checked.error().message;
  }
}

}  // namespace
}  // namespace maestro
