// Condition evaluation and projection. Conditions never fail at run time: an operand that
// is missing or of a type an operator does not take makes the predicate false (or true for
// `<>`), as the service behaves.
#include "expr/eval.h"

#include <algorithm>
#include <optional>

namespace ddbd::expr {
namespace {

using model::AttributeValue;
using model::AttrType;

// An operand's value: borrowed from the item/placeholders, or computed (size()).
struct Val {
  const AttributeValue* borrowed = nullptr;
  std::optional<AttributeValue> owned;
  const AttributeValue* get() const { return owned ? &*owned : borrowed; }
};

size_t SizeOf(const AttributeValue& v, bool* ok) {
  *ok = true;
  switch (v.type) {
    case AttrType::kS:
    case AttrType::kB:
      return v.str.size();
    case AttrType::kSS:
    case AttrType::kBS:
      return v.strings.size();
    case AttrType::kNS:
      return v.numbers.size();
    case AttrType::kL:
      return v.list.size();
    case AttrType::kM:
      return v.map.size();
    default:
      *ok = false;
      return 0;
  }
}

Val EvalOperand(const Operand& op, const model::Item* item, const Placeholders& ph) {
  Val out;
  switch (op.kind) {
    case Operand::Kind::kPath:
      if (item != nullptr) out.borrowed = Lookup(*item, op.path, ph);
      break;
    case Operand::Kind::kValue: {
      auto it = ph.values.find(op.value);
      if (it != ph.values.end()) out.borrowed = &it->second;
      break;
    }
    case Operand::Kind::kFunction:
      if (op.function == FunctionKind::kSize) {
        Val arg = EvalOperand(op.args[0], item, ph);
        bool ok = false;
        if (arg.get() != nullptr) {
          size_t n = SizeOf(*arg.get(), &ok);
          if (ok) {
            auto number = model::Number::Parse(std::to_string(n));
            if (number.ok()) out.owned = AttributeValue::Num(std::move(number).value());
          }
        }
      }
      break;
    default:
      break;
  }
  return out;
}

bool IsOrderable(AttrType t) { return t == AttrType::kN || t == AttrType::kS || t == AttrType::kB; }

// <0, 0, >0; REQUIRES same orderable type.
int CompareOrdered(const AttributeValue& a, const AttributeValue& b) {
  if (a.type == AttrType::kN) return a.num.Compare(b.num);
  int c = a.str.compare(b.str);  // byte order (std::string compares as unsigned char)
  return c;
}

bool Contains(const AttributeValue& haystack, const AttributeValue& needle) {
  switch (haystack.type) {
    case AttrType::kS:
    case AttrType::kB:
      return needle.type == haystack.type && haystack.str.find(needle.str) != std::string::npos;
    case AttrType::kSS:
      return needle.type == AttrType::kS &&
             std::find(haystack.strings.begin(), haystack.strings.end(), needle.str) !=
                 haystack.strings.end();
    case AttrType::kBS:
      return needle.type == AttrType::kB &&
             std::find(haystack.strings.begin(), haystack.strings.end(), needle.str) !=
                 haystack.strings.end();
    case AttrType::kNS:
      return needle.type == AttrType::kN &&
             std::find(haystack.numbers.begin(), haystack.numbers.end(), needle.num) !=
                 haystack.numbers.end();
    case AttrType::kL:
      return std::any_of(haystack.list.begin(), haystack.list.end(),
                         [&](const AttributeValue& e) { return model::Equal(e, needle); });
    default:
      return false;
  }
}

bool EvalFunction(const Operand& call, const model::Item* item, const Placeholders& ph) {
  Val a = EvalOperand(call.args[0], item, ph);
  switch (call.function) {
    case FunctionKind::kAttributeExists:
      return a.get() != nullptr;
    case FunctionKind::kAttributeNotExists:
      return a.get() == nullptr;
    case FunctionKind::kAttributeType: {
      Val t = EvalOperand(call.args[1], item, ph);
      return a.get() != nullptr && t.get() != nullptr && t.get()->type == AttrType::kS &&
             model::AttrTypeName(a.get()->type) == t.get()->str;
    }
    case FunctionKind::kBeginsWith: {
      Val b = EvalOperand(call.args[1], item, ph);
      if (a.get() == nullptr || b.get() == nullptr) return false;
      const auto& x = *a.get();
      const auto& y = *b.get();
      if (x.type != y.type || (x.type != AttrType::kS && x.type != AttrType::kB)) return false;
      return x.str.compare(0, y.str.size(), y.str) == 0;
    }
    case FunctionKind::kContains: {
      Val b = EvalOperand(call.args[1], item, ph);
      return a.get() != nullptr && b.get() != nullptr && Contains(*a.get(), *b.get());
    }
    default:
      return false;
  }
}

}  // namespace

const AttributeValue* Lookup(const model::Item& item, const Path& path, const Placeholders& ph) {
  return LookupPrefix(item, path, path.size(), ph);
}

const AttributeValue* LookupPrefix(const model::Item& item, const Path& path, size_t length,
                                   const Placeholders& ph) {
  if (length == 0 || length > path.size() || path[0].kind == PathElement::Kind::kIndex) {
    return nullptr;
  }
  auto it = item.find(ElementName(path[0], ph));
  if (it == item.end()) return nullptr;
  const AttributeValue* v = &it->second;
  for (size_t i = 1; i < length; ++i) {
    const auto& e = path[i];
    if (e.kind == PathElement::Kind::kIndex) {
      if (v->type != AttrType::kL || e.index >= v->list.size()) return nullptr;
      v = &v->list[e.index];
    } else {
      if (v->type != AttrType::kM) return nullptr;
      auto m = v->map.find(ElementName(e, ph));
      if (m == v->map.end()) return nullptr;
      v = &m->second;
    }
  }
  return v;
}

bool EvaluateCondition(const Condition& c, const model::Item* item, const Placeholders& ph) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
      return EvaluateCondition(c.children[0], item, ph) &&
             EvaluateCondition(c.children[1], item, ph);
    case Condition::Kind::kOr:
      return EvaluateCondition(c.children[0], item, ph) ||
             EvaluateCondition(c.children[1], item, ph);
    case Condition::Kind::kNot:
      return !EvaluateCondition(c.children[0], item, ph);
    case Condition::Kind::kFunction:
      return EvalFunction(c.operands[0], item, ph);
    case Condition::Kind::kCompare: {
      Val a = EvalOperand(c.operands[0], item, ph);
      Val b = EvalOperand(c.operands[1], item, ph);
      const AttributeValue* x = a.get();
      const AttributeValue* y = b.get();
      bool both = x != nullptr && y != nullptr;
      switch (c.comparator) {
        case Condition::Comparator::kEq:
          return both && model::Equal(*x, *y);
        case Condition::Comparator::kNe:
          return !(both && model::Equal(*x, *y));
        default:
          break;
      }
      if (!both || x->type != y->type || !IsOrderable(x->type)) return false;
      int cmp = CompareOrdered(*x, *y);
      switch (c.comparator) {
        case Condition::Comparator::kLt:
          return cmp < 0;
        case Condition::Comparator::kLe:
          return cmp <= 0;
        case Condition::Comparator::kGt:
          return cmp > 0;
        case Condition::Comparator::kGe:
          return cmp >= 0;
        default:
          return false;
      }
    }
    case Condition::Kind::kBetween: {
      Val a = EvalOperand(c.operands[0], item, ph);
      Val lo = EvalOperand(c.operands[1], item, ph);
      Val hi = EvalOperand(c.operands[2], item, ph);
      const AttributeValue *x = a.get(), *l = lo.get(), *h = hi.get();
      if (!x || !l || !h || x->type != l->type || x->type != h->type || !IsOrderable(x->type)) {
        return false;
      }
      return CompareOrdered(*x, *l) >= 0 && CompareOrdered(*x, *h) <= 0;
    }
    case Condition::Kind::kIn: {
      Val a = EvalOperand(c.operands[0], item, ph);
      if (a.get() == nullptr) return false;
      for (size_t i = 1; i < c.operands.size(); ++i) {
        Val v = EvalOperand(c.operands[i], item, ph);
        if (v.get() != nullptr && model::Equal(*a.get(), *v.get())) return true;
      }
      return false;
    }
  }
  return false;
}

namespace {

// Which parts of a value a projection keeps.
struct ProjectionNode {
  bool whole = false;
  std::map<std::string, ProjectionNode> fields;
  std::map<uint32_t, ProjectionNode> elements;
};

std::optional<AttributeValue> ProjectValue(const AttributeValue& v, const ProjectionNode& node) {
  if (node.whole) return v;
  if (!node.fields.empty() && v.type == AttrType::kM) {
    AttributeValue out;
    out.type = AttrType::kM;
    for (const auto& [name, child] : node.fields) {
      auto it = v.map.find(name);
      if (it == v.map.end()) continue;
      auto projected = ProjectValue(it->second, child);
      if (projected) out.map.emplace(name, std::move(*projected));
    }
    if (out.map.empty()) return std::nullopt;
    return out;
  }
  if (!node.elements.empty() && v.type == AttrType::kL) {
    AttributeValue out;
    out.type = AttrType::kL;
    for (const auto& [index, child] : node.elements) {
      if (index >= v.list.size()) continue;
      auto projected = ProjectValue(v.list[index], child);
      if (projected) out.list.push_back(std::move(*projected));
    }
    if (out.list.empty()) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

}  // namespace

model::Item Project(const model::Item& item, const std::vector<Path>& paths,
                    const Placeholders& ph) {
  ProjectionNode root;
  for (const auto& path : paths) {
    ProjectionNode* node = &root;
    for (const auto& e : path) {
      node = e.kind == PathElement::Kind::kIndex ? &node->elements[e.index]
                                                 : &node->fields[ElementName(e, ph)];
    }
    node->whole = true;
  }
  model::Item out;
  for (const auto& [name, child] : root.fields) {
    auto it = item.find(name);
    if (it == item.end()) continue;
    auto projected = ProjectValue(it->second, child);
    if (projected) out.emplace(name, std::move(*projected));
  }
  return out;
}

}  // namespace ddbd::expr
