// Parser, resolver and evaluator of the expression language, below the API.
#include <gtest/gtest.h>

#include "expr/eval.h"
#include "expr/parser.h"

namespace ddbd::expr {
namespace {

using model::AttributeValue;
using model::Item;

AttributeValue N(const char* text) { return AttributeValue::Num(*model::Number::Parse(text)); }
AttributeValue S(const char* text) { return AttributeValue::String(text); }
AttributeValue L(std::vector<AttributeValue> elements) {
  AttributeValue v;
  v.type = model::AttrType::kL;
  v.list = std::move(elements);
  return v;
}
AttributeValue M(Item fields) {
  AttributeValue v;
  v.type = model::AttrType::kM;
  v.map = std::move(fields);
  return v;
}
AttributeValue SS(std::vector<std::string> members) {
  AttributeValue v;
  v.type = model::AttrType::kSS;
  v.strings = std::move(members);
  return v;
}

Item SampleItem() {
  return Item{{"pk", S("p")},
              {"n", N("10")},
              {"s", S("hello")},
              {"tags", SS({"a", "b"})},
              {"l", L({N("1"), S("two"), M({{"x", N("3")}})})},
              {"m", M({{"a", M({{"b", S("deep")}})}})}};
}

Placeholders Values(std::map<std::string, AttributeValue> values,
                    std::map<std::string, std::string> names = {}) {
  Placeholders ph;
  ph.values = std::move(values);
  ph.names = std::move(names);
  return ph;
}

// Parses, resolves and evaluates a condition on SampleItem().
bool Eval(const std::string& text, Placeholders ph) {
  auto parsed = ParseConditionUncached(text, ExpressionKind::kCondition);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  if (!parsed.ok()) return false;
  Status s = ResolveCondition(*parsed, ExpressionKind::kCondition, ph);
  EXPECT_TRUE(s.ok()) << text << ": " << s.ToString();
  Item item = SampleItem();
  return EvaluateCondition(*parsed, &item, ph);
}

std::string ConditionError(const std::string& text, Placeholders ph = {}) {
  auto parsed = ParseConditionUncached(text, ExpressionKind::kCondition);
  if (!parsed.ok()) return parsed.status().message();
  Status s = ResolveCondition(*parsed, ExpressionKind::kCondition, ph);
  return s.ok() ? "OK" : s.message();
}

TEST(ConditionTest, ComparesNumbersExactlyAndStringsByBytes) {
  EXPECT_TRUE(Eval("n > :v", Values({{":v", N("9")}})));
  EXPECT_FALSE(Eval("n < :v", Values({{":v", N("9.99999999999999999999999999999")}})));
  EXPECT_TRUE(Eval("n = :v", Values({{":v", N("10.000")}})));
  EXPECT_TRUE(Eval("s < :v", Values({{":v", S("hellp")}})));
  EXPECT_FALSE(Eval("s > :v", Values({{":v", N("1")}})));  // different types: false
  EXPECT_TRUE(Eval("s <> :v", Values({{":v", N("1")}})));
  EXPECT_TRUE(Eval("nothere <> :v", Values({{":v", N("1")}})));
}

TEST(ConditionTest, BetweenInAndPrecedence) {
  EXPECT_TRUE(Eval("n BETWEEN :a AND :b", Values({{":a", N("10")}, {":b", N("11")}})));
  EXPECT_TRUE(Eval("n IN (:a, :b)", Values({{":a", N("1")}, {":b", N("10")}})));
  // NOT binds tighter than AND, AND tighter than OR.
  EXPECT_TRUE(Eval("n = :a OR n = :b AND n = :c",
                   Values({{":a", N("10")}, {":b", N("1")}, {":c", N("2")}})));
  EXPECT_FALSE(Eval("(n = :a OR n = :b) AND n = :c",
                    Values({{":a", N("10")}, {":b", N("1")}, {":c", N("2")}})));
  EXPECT_TRUE(Eval("NOT n = :a AND n = :b", Values({{":a", N("1")}, {":b", N("10")}})));
}

TEST(ConditionTest, Functions) {
  EXPECT_TRUE(Eval("attribute_exists(m.a.b)", {}));
  EXPECT_FALSE(Eval("attribute_exists(m.a.c)", {}));
  EXPECT_TRUE(Eval("attribute_not_exists(l[5])", {}));
  EXPECT_TRUE(Eval("attribute_type(tags, :t)", Values({{":t", S("SS")}})));
  EXPECT_TRUE(Eval("begins_with(s, :p)", Values({{":p", S("he")}})));
  EXPECT_TRUE(Eval("contains(s, :p)", Values({{":p", S("ll")}})));
  EXPECT_TRUE(Eval("contains(tags, :p)", Values({{":p", S("b")}})));
  EXPECT_TRUE(Eval("contains(l, :p)", Values({{":p", S("two")}})));
  EXPECT_TRUE(Eval("size(s) = :n", Values({{":n", N("5")}})));
  EXPECT_TRUE(Eval("size(l) = :n", Values({{":n", N("3")}})));
  EXPECT_TRUE(Eval("l[2].x = :n", Values({{":n", N("3")}})));
  EXPECT_TRUE(Eval("#k = :v", Values({{":v", S("p")}}, {{"#k", "pk"}})));
}

TEST(ConditionTest, ErrorsCarryTheServiceMessages) {
  EXPECT_EQ(ConditionError("a = "),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"= \"");
  EXPECT_EQ(ConditionError("a == :v"),
            "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"== :v\"");
  EXPECT_EQ(ConditionError("status = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: status");
  EXPECT_EQ(ConditionError("foo(a)"),
            "Invalid ConditionExpression: Invalid function name; "
            "function: foo");
  EXPECT_EQ(ConditionError("attribute_exists(a, b)"),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
            "operator or function: attribute_exists, number of operands: 2");
  EXPECT_EQ(ConditionError("#x = :v", Values({{":v", N("1")}})),
            "Invalid ConditionExpression: An expression attribute name used in the document path "
            "is not defined; attribute name: #x");
  EXPECT_EQ(ConditionError("a = :v"),
            "Invalid ConditionExpression: An expression attribute value used in expression is not "
            "defined; attribute value: :v");
  EXPECT_EQ(ConditionError("begins_with(a, :v)", Values({{":v", N("1")}})),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  EXPECT_EQ(ConditionError("a BETWEEN :hi AND :lo", Values({{":lo", N("1")}, {":hi", N("5")}})),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
            "than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper "
            "bound operand: AttributeValue: {N:1}");
  EXPECT_EQ(ConditionError(""), "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(ConditionError(std::string(5000, 'a')),
            "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; "
            "expression size: 5000");
}

TEST(ConditionTest, DeepNestingIsRejectedNotCrashing) {
  std::string deep(10000, '(');
  EXPECT_NE(ConditionError(deep + "a = :v"), "OK");
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "NOT ";
  EXPECT_NE(ConditionError(nots + "a = :v"), "OK");
}

Item Update(const std::string& text, Placeholders ph, Status* status = nullptr) {
  auto parsed = ParseUpdateUncached(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  Status s = ResolveUpdate(*parsed, ph);
  Item old = SampleItem();
  Item item = old;
  if (s.ok()) s = ApplyUpdate(*parsed, &old, ph, &item);
  if (status)
    *status = s;
  else
    EXPECT_TRUE(s.ok()) << s.ToString();
  return item;
}

TEST(UpdateTest, SetArithmeticAndFunctions) {
  Item item = Update(
      "SET n = n + :one, c = if_not_exists(c, :zero) - :one, "
      "l2 = list_append(:head, l)",
      Values({{":one", N("1")}, {":zero", N("0")}, {":head", L({S("h")})}}));
  EXPECT_EQ(item["n"].num.ToString(), "11");
  EXPECT_EQ(item["c"].num.ToString(), "-1");
  ASSERT_EQ(item["l2"].list.size(), 4u);
  EXPECT_EQ(item["l2"].list[0].str, "h");
}

TEST(UpdateTest, ValuesComeFromTheOldItem) {
  Item item = Update("SET n = s, s = n", {});
  EXPECT_EQ(item["n"].str, "hello");
  EXPECT_EQ(item["s"].num.ToString(), "10");
}

TEST(UpdateTest, RemoveListElementsByOriginalPosition) {
  Item item = Update("REMOVE l[0], l[2]", {});
  ASSERT_EQ(item["l"].list.size(), 1u);
  EXPECT_EQ(item["l"].list[0].str, "two");
}

TEST(UpdateTest, AddAndDelete) {
  Item item = Update("ADD n :five, tags :more, fresh :five DELETE m2 :gone",
                     Values({{":five", N("5")}, {":more", SS({"c", "a"})}, {":gone", SS({"x"})}}));
  EXPECT_EQ(item["n"].num.ToString(), "15");
  EXPECT_EQ(item["tags"].strings, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(item["fresh"].num.ToString(), "5");
  item = Update("DELETE tags :all", Values({{":all", SS({"a", "b"})}}));
  EXPECT_EQ(item.count("tags"), 0u);
}

TEST(UpdateTest, TenthsAddUpExactly) {
  Placeholders ph = Values({{":tenth", N("0.1")}});
  auto parsed = ParseUpdateUncached("ADD tot :tenth");
  ASSERT_TRUE(parsed.ok());
  ASSERT_TRUE(ResolveUpdate(*parsed, ph).ok());
  Item item;
  for (int i = 0; i < 10; ++i) {
    Item old = item;
    ASSERT_TRUE(ApplyUpdate(*parsed, &old, ph, &item).ok());
  }
  EXPECT_EQ(item["tot"].num.ToString(), "1");
}

TEST(UpdateTest, RuntimeErrors) {
  Status s;
  Update("SET a = nothere + :one", Values({{":one", N("1")}}), &s);
  EXPECT_EQ(s.message(),
            "The provided expression refers to an attribute that does not exist in the item");
  Update("SET a = s + :one", Values({{":one", N("1")}}), &s);
  EXPECT_EQ(s.message(), "An operand in the update expression has an incorrect data type");
  Update("SET nope.x = :one", Values({{":one", N("1")}}), &s);
  EXPECT_EQ(s.message(),
            "The document path provided in the update expression is invalid for update");
  Update("SET n = :big + :big",
         Values({{":big", N("9.9999999999999999999999999999999999999E+125")}}), &s);
  EXPECT_EQ(s.message(),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
}

TEST(UpdateTest, OverlappingPathsAndClauseRepeats) {
  Placeholders ph = Values({{":v", N("1")}});
  auto parsed = ParseUpdateUncached("SET a.b = :v REMOVE a");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(ResolveUpdate(*parsed, ph).message(),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [a, b], path two: [a]");
  parsed = ParseUpdateUncached("SET a[1] = :v REMOVE a.b");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(ResolveUpdate(*parsed, ph).message(),
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove or "
            "rewrite one of these paths; path one: [a, [1]], path two: [a, b]");
  EXPECT_EQ(ParseUpdateUncached("SET a = :v SET b = :v").status().message(),
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
            "expression;");
}

TEST(ProjectionTest, NestedPathsAndCompactedListElements) {
  auto parsed = ParseProjectionUncached("l[2].x, l[0], m.a.b, nothere");
  ASSERT_TRUE(parsed.ok());
  Placeholders ph;
  ASSERT_TRUE(ResolveProjection(*parsed, ExpressionKind::kProjection, ph).ok());
  Item out = Project(SampleItem(), parsed->paths, ph);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out["l"].list.size(), 2u);
  EXPECT_EQ(out["l"].list[0].num.ToString(), "1");
  EXPECT_EQ(out["l"].list[1].map.at("x").num.ToString(), "3");
  EXPECT_EQ(out["m"].map.at("a").map.at("b").str, "deep");
}

TEST(ParseCacheTest, SameTextSharesTheTree) {
  auto a = ParseCondition("x = :v", ExpressionKind::kCondition);
  auto b = ParseCondition("x = :v", ExpressionKind::kCondition);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
  auto filter = ParseCondition("x = :v", ExpressionKind::kFilter);
  ASSERT_TRUE(filter.ok());
  EXPECT_NE(a->get(), filter->get());
}

}  // namespace
}  // namespace ddbd::expr
