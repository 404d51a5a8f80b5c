// The one-pass matcher gives exactly the answers of a per-value whole-token search.
#include "scan/token_matcher.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <set>

#include "support/test_support.hpp"

namespace maestro {
namespace {

std::set<std::string> reference(std::string_view line, const std::vector<std::string>& values) {
  std::set<std::string> out;
  for (const auto& v : values)
    if (contains_token(line, v)) out.insert(v);
  return out;
}

std::set<std::string> engine(const TokenMatcher& m, std::string_view line) {
  std::set<std::string> out;
  m.each_match(line, [&](const std::string& v) { out.insert(v); });
  return out;
}

TEST(ContainsToken, Boundaries) {
  EXPECT_TRUE(contains_token("from 10.0.0.1 port", "10.0.0.1"));
  EXPECT_FALSE(contains_token("from 10.0.0.12 port", "10.0.0.1"));
  EXPECT_FALSE(contains_token("from 110.0.0.1 port", "10.0.0.1"));
  EXPECT_TRUE(contains_token("ends 10.0.0.1.", "10.0.0.1"));
  EXPECT_FALSE(contains_token("mail xjane@example.com", "jane@example.com"));
}

TEST(TokenMatcher, TokenBoundariesAndNearMisses) {
  TokenMatcher m({"10.1.2.3", "jane@example.com", "C-1042", "a", "b", "c", "::1", "+44 20 7946 0000"});
  EXPECT_TRUE(m.matches("login from 10.1.2.3 ok"));
  EXPECT_TRUE(m.matches("login from 10.1.2.3."));   // a sentence's full stop
  EXPECT_FALSE(m.matches("login from 10.1.2.34"));  // a longer address
  EXPECT_FALSE(m.matches("login from 110.1.2.3"));
  EXPECT_FALSE(m.matches("login from 10.1.2.3.4"));
  EXPECT_FALSE(m.matches("mail to xjane@example.com"));
  EXPECT_FALSE(m.matches("mail to jane@example.com.au"));
  EXPECT_TRUE(m.matches("\"email\":\"jane@example.com\""));
  EXPECT_FALSE(m.matches("mail to Jane@example.com"));  // case-sensitive, as contains_token
  EXPECT_TRUE(m.matches("customer C-1042, order 7"));
  EXPECT_TRUE(m.matches("listening on ::1 port 22"));  // not a token value: searched on its own
  EXPECT_TRUE(m.matches("call +44 20 7946 0000 now"));
  EXPECT_EQ(engine(m, "a b, c; a"), (std::set<std::string>{"a", "b", "c"}));
}

TEST(TokenMatcher, AgreesWithThePerValueSearchOnRandomLines) {
  std::mt19937 rng(42);
  const std::string alphabet = "ab1.@-_ :,\"x";
  auto random_text = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> values;
    for (int i = 0; i < 1 + static_cast<int>(rng() % 12); ++i) values.push_back(random_text(1 + rng() % 4));
    TokenMatcher m(values);
    for (int k = 0; k < 50; ++k) {
      std::string line = random_text(rng() % 40);
      auto expected = reference(line, values);
      ASSERT_EQ(m.matches(line), !expected.empty()) << "line '" << line << "'";
      ASSERT_EQ(engine(m, line), expected) << "line '" << line << "'";
    }
  }
}

// Real logs nobody here wrote: every token of a sample of lines, plus near misses, searched both ways.
TEST(TokenMatcher, AgreesWithThePerValueSearchOnLoghubLogs) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  std::size_t logs = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(datasets / "loghub")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".log") continue;
    ++logs;
    std::ifstream in(entry.path());
    std::vector<std::string> lines;
    for (std::string line; lines.size() < 400 && std::getline(in, line);) lines.push_back(line);
    // Wanted: tokens of every 7th line, some cut short, some extended (near misses).
    std::vector<std::string> values;
    for (std::size_t i = 0; i < lines.size(); i += 7) {
      std::string token;
      for (char c : lines[i] + " ") {
        if (TokenMatcher::is_token_char(static_cast<unsigned char>(c))) {
          token += c;
        } else if (!token.empty()) {
          values.push_back(token);
          if (token.size() > 3) values.push_back(token.substr(0, token.size() - 1));
          values.push_back(token + "9");
          token.clear();
        }
      }
    }
    TokenMatcher m(values);
    for (const auto& line : lines) ASSERT_EQ(engine(m, line), reference(line, values)) << entry.path() << ": " << line;
  }
  EXPECT_GT(logs, 0u);
}

// find_in_text over many lines at once finds a value in exactly the lines matches() accepts,
// through each of its ways: anchor bytes, a few values without one, many values without one.
TEST(TokenMatcher, BlockSearchAgreesWithTheLineByLineAnswer) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab1.@-_ :,\"x\n";
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> values;
    int count = 1 + static_cast<int>(rng() % 14);
    for (int i = 0; i < count; ++i) {
      std::string v;
      for (std::size_t k = 0; k < 1 + rng() % 4; ++k) v += alphabet[rng() % (alphabet.size() - 1)];
      values.push_back(v);
    }
    TokenMatcher m(values);
    std::string text;
    for (std::size_t k = 0; k < 400; ++k) text += alphabet[rng() % alphabet.size()];
    std::set<std::size_t> expected;  // line starts
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (m.matches(std::string_view(text).substr(start, end - start))) expected.insert(start);
      start = end + 1;
    }
    std::set<std::size_t> found;
    m.find_in_text(text, [&](std::size_t offset) {
      ASSERT_LT(offset, text.size());
      std::size_t line = text.rfind('\n', offset == 0 ? 0 : offset - 1);
      found.insert(offset == 0 || line == std::string::npos ? 0 : line + 1);
    });
    ASSERT_EQ(found, expected) << "round " << round;
  }
}

}  // namespace
}  // namespace maestro

namespace maestro {
namespace {

// Every (value asked, spelling found) pair of a line.
std::set<std::pair<std::string, std::string>> occurrences(const TokenMatcher& m, std::string_view line) {
  std::set<std::pair<std::string, std::string>> out;
  m.each_occurrence(line, [&](const std::string& v, std::string_view s) { out.emplace(v, std::string(s)); });
  return out;
}

TEST(TokenMatcherByKind, EmailsInAnyCasePhonesByDigitsAndIpv6HoweverWritten) {
  const std::vector<std::string> values{"jane@example.com", "+44 20 7946 1001", "2001:db8::1", "C-1042", "12345678"};
  TokenMatcher m(values, TokenForms::by_kind);
  using P = std::set<std::pair<std::string, std::string>>;
  EXPECT_EQ(occurrences(m, "login Jane@Example.COM ok"), (P{{"jane@example.com", "Jane@Example.COM"}}));
  EXPECT_EQ(occurrences(m, "bye JANE@EXAMPLE.COM."), (P{{"jane@example.com", "JANE@EXAMPLE.COM"}}));
  EXPECT_EQ(occurrences(m, "call +442079461001 now"), (P{{"+44 20 7946 1001", "+442079461001"}}));
  EXPECT_EQ(occurrences(m, "call +44 (20) 7946-1001."), (P{{"+44 20 7946 1001", "+44 (20) 7946-1001"}}));
  EXPECT_EQ(occurrences(m, "order 5 44 20 7946 1001 at 10:00"), (P{{"+44 20 7946 1001", "44 20 7946 1001"}}));
  EXPECT_EQ(occurrences(m, "from 2001:DB8:0:0:0:0:0:1 port 22"), (P{{"2001:db8::1", "2001:DB8:0:0:0:0:0:1"}}));
  EXPECT_EQ(occurrences(m, "[2001:0db8::0001]:443 C-1042"),
            (P{{"2001:db8::1", "2001:0db8::0001"}, {"C-1042", "C-1042"}}));
  // Near misses: another number, a longer address, a word around it, a bare number split up.
  for (const char* line :
       {"call +44 20 7946 10012", "call +44 20 7946 1001abc", "id 2442079461001", "from 2001:db8::10",
        "from 2001:db8::1g", "x12345678", "1234 5678", "c-1042", "jane@example.com.au", "jane@example.co"}) {
    EXPECT_TRUE(occurrences(m, line).empty()) << line;
    EXPECT_FALSE(m.matches(line)) << line;
  }
  // Every occurrence is also found when whole blocks are searched.
  std::string block = "a Jane@Example.COM\nb +442079461001\nc 2001:DB8::1\nd nothing\n";
  std::set<std::size_t> lines_found;
  m.find_in_text(block, [&](std::size_t offset) {
    lines_found.insert(static_cast<std::size_t>(std::count(block.begin(), block.begin() + offset, '\n')));
  });
  EXPECT_EQ(lines_found, (std::set<std::size_t>{0, 1, 2}));
  std::vector<std::string> asked;
  m.each_match("Jane@example.com called +44 20 7946 1001 from 2001:db8:0::1",
               [&](const std::string& v) { asked.push_back(v); });
  std::sort(asked.begin(), asked.end());
  EXPECT_EQ(asked, (std::vector<std::string>{"+44 20 7946 1001", "2001:db8::1", "jane@example.com"}));
}

TEST(TokenMatcherByKind, ExactFormsMatchOnlyAsWritten) {
  TokenMatcher m({"jane@example.com", "+44 20 7946 1001", "2001:db8::1"});
  EXPECT_FALSE(m.matches("login Jane@Example.COM"));
  EXPECT_FALSE(m.matches("call +442079461001"));
  EXPECT_FALSE(m.matches("from 2001:DB8::1"));
  EXPECT_TRUE(m.matches("call +44 20 7946 1001"));
}

}  // namespace
}  // namespace maestro
