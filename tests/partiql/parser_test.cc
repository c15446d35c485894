#include <gtest/gtest.h>

#include "partiql/ast.h"

namespace ddbd::partiql {
namespace {

Statement MustParse(std::string_view text) {
  auto parsed = Parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  return parsed.ok() ? std::move(parsed).value() : Statement();
}

std::string ErrorOf(std::string_view text) {
  auto parsed = Parse(text);
  return parsed.ok() ? "" : parsed.status().message();
}

TEST(PartiqlParser, SelectForms) {
  Statement s = MustParse(R"(SELECT * FROM "Music" WHERE Artist = 'Acme' AND SongTitle > ?)");
  EXPECT_EQ(s.kind, Statement::Kind::kSelect);
  EXPECT_EQ(s.select.from.table, "Music");
  EXPECT_FALSE(s.select.from.index.has_value());
  EXPECT_TRUE(s.select.projection.empty());
  ASSERT_TRUE(s.select.where.has_value());
  EXPECT_EQ(s.select.where->kind, Condition::Kind::kAnd);
  EXPECT_EQ(s.parameters, 1u);

  s = MustParse(R"(select a, "b c".d[2], e[0] from Music."ByYear" where y between 1 and 2)"
                R"( order by y desc)");
  ASSERT_EQ(s.select.projection.size(), 3u);
  EXPECT_EQ(s.select.projection[1].size(), 3u);
  EXPECT_EQ(s.select.projection[1][0].name, "b c");
  EXPECT_EQ(s.select.projection[1][2].kind, expr::PathElement::Kind::kIndex);
  EXPECT_EQ(s.select.from.index, "ByYear");
  EXPECT_EQ(s.select.where->kind, Condition::Kind::kBetween);
  ASSERT_EQ(s.select.order_by.size(), 1u);
  EXPECT_TRUE(s.select.order_by[0].descending);

  s = MustParse(
      "SELECT * FROM t WHERE a IN ['x', 'y'] OR NOT b IS NOT MISSING OR "
      "begins_with(c, 'p') OR size(d) >= 3 OR e IS NULL");
  EXPECT_EQ(s.select.where->kind, Condition::Kind::kOr);
}

TEST(PartiqlParser, Writes) {
  Statement s = MustParse(
      R"(INSERT INTO "T" VALUE {'pk': 'a', 'n': 1.5e3, 'l': [1, 'x', TRUE, NULL], 'ss': <<'a','b'>>, 'm': {'k': ?}})");
  EXPECT_EQ(s.kind, Statement::Kind::kInsert);
  EXPECT_EQ(s.item.kind, Value::Kind::kMap);
  EXPECT_EQ(s.item.keys.size(), 5u);
  EXPECT_EQ(s.parameters, 1u);
  auto item = ResolveValue(s.item, {model::AttributeValue::String("p")});
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->map.at("ss").type, model::AttrType::kSS);
  EXPECT_EQ(item->map.at("m").map.at("k").str, "p");
  EXPECT_EQ(item->map.at("n").num.ToString(), "1500");

  s = MustParse(
      "UPDATE T SET a = a + 1, b = list_append(b, [2]) REMOVE c SET d = 'x' "
      "WHERE pk = 'k' AND a < 10 RETURNING ALL NEW *");
  EXPECT_EQ(s.kind, Statement::Kind::kUpdate);
  EXPECT_EQ(s.actions.size(), 4u);
  EXPECT_EQ(s.actions[0].value.kind, Operand::Kind::kPlus);
  EXPECT_EQ(s.actions[2].kind, UpdateAction::Kind::kRemove);
  EXPECT_EQ(s.returning, Returning::kAllNew);

  s = MustParse("DELETE FROM T WHERE pk = 'k' RETURNING ALL OLD *;");
  EXPECT_EQ(s.kind, Statement::Kind::kDelete);
  EXPECT_EQ(s.returning, Returning::kAllOld);

  s = MustParse("EXISTS(SELECT * FROM T WHERE pk = 'k' AND n > 1)");
  EXPECT_EQ(s.kind, Statement::Kind::kExists);
}

TEST(PartiqlParser, Malformed) {
  EXPECT_EQ(ErrorOf("SELECT * FROM"),
            "Statement wasn't well formed, can't be processed: Unexpected end of input at [1,14]");
  EXPECT_EQ(ErrorOf("SELEC * FROM t"),
            "Statement wasn't well formed, can't be processed: Expected data manipulation");
  EXPECT_EQ(ErrorOf("UPDATE Payment-abc SET active=? WHERE subscriptionId=?"),
            "Statement wasn't well formed, can't be processed: Expected data manipulation");
  EXPECT_EQ(ErrorOf("SELECT * FRM t"),
            "Statement wasn't well formed, can't be processed: Unexpected token: FRM at [1,10]");
  EXPECT_NE(ErrorOf("SELECT * FROM t WHERE a = 'open"), "");
  EXPECT_NE(ErrorOf("UPDATE t WHERE a = 1"), "");
  EXPECT_NE(ErrorOf("DELETE FROM t WHERE a = 1 RETURNING ALL NEW *"), "");
  EXPECT_NE(ErrorOf("SELECT * FROM t WHERE a = 1 garbage"), "");
  EXPECT_NE(ErrorOf(""), "");
  std::string deep =
      "SELECT * FROM t WHERE " + std::string(200, '(') + "a = 1" + std::string(200, ')');
  EXPECT_NE(ErrorOf(deep), "");
}

}  // namespace
}  // namespace ddbd::partiql
