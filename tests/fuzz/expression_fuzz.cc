// libFuzzer target: the expression parser, resolver and evaluator. The first byte picks the
// expression kind; the rest is the expression. Placeholders #a..#e and :a..:e are defined
// with values of several types, so parsed expressions also get resolved and evaluated on an
// item (and updates applied), exercising every stage on hostile input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "expr/eval.h"
#include "expr/parser.h"

namespace {

using ddbd::model::AttributeValue;
using ddbd::model::Item;

ddbd::expr::Placeholders MakePlaceholders() {
  ddbd::expr::Placeholders ph;
  const char* names[] = {"#a", "#b", "#c", "#d", "#e"};
  for (int i = 0; i < 5; ++i) ph.names[names[i]] = std::string(1, static_cast<char>('a' + i));
  ph.values[":a"] = AttributeValue::Num(*ddbd::model::Number::Parse("1"));
  ph.values[":b"] = AttributeValue::String("b");
  ph.values[":c"] = AttributeValue::Binary("c");
  AttributeValue list;
  list.type = ddbd::model::AttrType::kL;
  list.list.push_back(AttributeValue::Bool(true));
  ph.values[":d"] = list;
  AttributeValue set;
  set.type = ddbd::model::AttrType::kSS;
  set.strings = {"x", "y"};
  ph.values[":e"] = set;
  return ph;
}

Item MakeItem() {
  Item item;
  item["a"] = AttributeValue::Num(*ddbd::model::Number::Parse("10"));
  item["b"] = AttributeValue::String("hello");
  AttributeValue m;
  m.type = ddbd::model::AttrType::kM;
  m.map["x"] = AttributeValue::Null();
  AttributeValue l;
  l.type = ddbd::model::AttrType::kL;
  l.list.push_back(m);
  item["c"] = l;
  return item;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  ddbd::expr::Placeholders ph = MakePlaceholders();
  const Item item = MakeItem();
  switch (data[0] % 3) {
    case 0: {
      auto parsed =
          ddbd::expr::ParseConditionUncached(text, ddbd::expr::ExpressionKind::kCondition);
      if (parsed.ok() &&
          ddbd::expr::ResolveCondition(*parsed, ddbd::expr::ExpressionKind::kCondition, ph).ok()) {
        ddbd::expr::EvaluateCondition(*parsed, &item, ph);
        ddbd::expr::EvaluateCondition(*parsed, nullptr, ph);
      }
      break;
    }
    case 1: {
      auto parsed = ddbd::expr::ParseUpdateUncached(text);
      if (parsed.ok() && ddbd::expr::ResolveUpdate(*parsed, ph).ok()) {
        Item updated = item;
        (void)ddbd::expr::ApplyUpdate(*parsed, &item, ph, &updated);
      }
      break;
    }
    default: {
      auto parsed = ddbd::expr::ParseProjectionUncached(text);
      if (parsed.ok() &&
          ddbd::expr::ResolveProjection(*parsed, ddbd::expr::ExpressionKind::kProjection, ph)
              .ok()) {
        ddbd::expr::Project(item, parsed->paths, ph);
      }
      break;
    }
  }
  return 0;
}
