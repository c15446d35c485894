// Tests for src/expr/reserved_words: the documented DynamoDB reserved-word list.
#include "expr/reserved_words.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace ddbd::expr {
namespace {

TEST(ReservedWordsTest, CountMatchesDocumentation) { EXPECT_EQ(ReservedWordCount(), 573u); }

TEST(ReservedWordsTest, FirstAndLast) {
  ASSERT_EQ(ReservedWordsEnd() - ReservedWordsBegin(), 573);
  EXPECT_EQ(*ReservedWordsBegin(), "ABORT");
  EXPECT_EQ(*(ReservedWordsEnd() - 1), "ZONE");
}

TEST(ReservedWordsTest, StrictlySortedAndUppercase) {
  for (const std::string_view* p = ReservedWordsBegin(); p != ReservedWordsEnd(); ++p) {
    ASSERT_FALSE(p->empty());
    for (char c : *p) EXPECT_TRUE(c >= 'A' && c <= 'Z') << *p;
    if (p != ReservedWordsBegin()) {
      EXPECT_LT(*(p - 1), *p);
    }
  }
}

TEST(ReservedWordsTest, KnownWords) {
  for (std::string_view w : {"NAME", "STATUS", "DATE", "YEAR", "COUNT", "SIZE", "KEY", "VALUE",
                             "TIMESTAMP", "USER", "DATA", "TTL", "ABORT", "ZONE"}) {
    EXPECT_TRUE(IsReservedWord(w)) << w;
  }
  // Misspellings that are on the documented list as written.
  EXPECT_TRUE(IsReservedWord("FLATTERN"));
  EXPECT_TRUE(IsReservedWord("INNTER"));
  EXPECT_TRUE(IsReservedWord("LOGED"));
  // The longest words (14 characters).
  EXPECT_TRUE(IsReservedWord("LOCALTIMESTAMP"));
}

TEST(ReservedWordsTest, CaseInsensitive) {
  EXPECT_TRUE(IsReservedWord("name"));
  EXPECT_TRUE(IsReservedWord("Name"));
  EXPECT_TRUE(IsReservedWord("nAmE"));
  EXPECT_TRUE(IsReservedWord("status"));
  EXPECT_TRUE(IsReservedWord("Timestamp"));
  EXPECT_TRUE(IsReservedWord("ttl"));
  EXPECT_TRUE(IsReservedWord("zone"));
  EXPECT_TRUE(IsReservedWord("localtimestamp"));
}

TEST(ReservedWordsTest, NonWords) {
  for (std::string_view w : {"pk", "sk", "Artist", "FOO", "", "#name", ":name", "name.first",
                             "NAME ", " NAME", "NAMEX", "ABORTS", "AAA", "ZZZZ"}) {
    EXPECT_FALSE(IsReservedWord(w)) << '"' << w << '"';
  }
  // Longer than any reserved word, including one with a reserved word as its prefix.
  EXPECT_FALSE(IsReservedWord("LOCALTIMESTAMPS"));
  EXPECT_FALSE(IsReservedWord(std::string(1000, 'A')));
  // Non-ASCII bytes are not folded.
  EXPECT_FALSE(IsReservedWord("N\xC3\x81ME"));
}

TEST(ReservedWordsTest, EveryListedWordIsFound) {
  for (const std::string_view* p = ReservedWordsBegin(); p != ReservedWordsEnd(); ++p) {
    EXPECT_TRUE(IsReservedWord(*p)) << *p;
    std::string lower(*p);
    for (char& c : lower) c = static_cast<char>(c - 'A' + 'a');
    EXPECT_TRUE(IsReservedWord(lower)) << lower;
  }
}

}  // namespace
}  // namespace ddbd::expr
