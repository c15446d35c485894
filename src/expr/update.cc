// UpdateExpression application. The service computes every SET value from the item as it
// was before the update, then applies the actions: SET, then REMOVE (list elements by their
// original positions, so removing [0] and [2] removes the first and third), then ADD, DELETE.
#include <algorithm>
#include <optional>

#include "expr/eval.h"

namespace ddbd::expr {
namespace {

using model::AttributeValue;
using model::AttrType;

Status MissingAttribute() {
  return Status::Validation(
      "The provided expression refers to an attribute that does not exist in the item");
}
Status WrongDataType() {
  return Status::Validation("An operand in the update expression has an incorrect data type");
}
Status InvalidPath() {
  return Status::Validation(
      "The document path provided in the update expression is invalid for update");
}

Result<AttributeValue> EvalSetOperand(const Operand& op, const model::Item* old,
                                      const Placeholders& ph) {
  switch (op.kind) {
    case Operand::Kind::kValue: {
      auto it = ph.values.find(op.value);
      if (it == ph.values.end()) return Status::Internal("unresolved placeholder " + op.value);
      return it->second;
    }
    case Operand::Kind::kPath: {
      const AttributeValue* v = old ? Lookup(*old, op.path, ph) : nullptr;
      if (v == nullptr) return MissingAttribute();
      return *v;
    }
    case Operand::Kind::kPlus:
    case Operand::Kind::kMinus: {
      DDBD_ASSIGN_OR_RETURN(AttributeValue a, EvalSetOperand(op.args[0], old, ph));
      DDBD_ASSIGN_OR_RETURN(AttributeValue b, EvalSetOperand(op.args[1], old, ph));
      if (a.type != AttrType::kN || b.type != AttrType::kN) return WrongDataType();
      DDBD_ASSIGN_OR_RETURN(model::Number n, op.kind == Operand::Kind::kPlus
                                                 ? a.num.Add(b.num)
                                                 : a.num.Subtract(b.num));
      return AttributeValue::Num(std::move(n));
    }
    case Operand::Kind::kFunction:
      if (op.function == FunctionKind::kIfNotExists) {
        const AttributeValue* v = old ? Lookup(*old, op.args[0].path, ph) : nullptr;
        if (v != nullptr) return *v;
        return EvalSetOperand(op.args[1], old, ph);
      }
      if (op.function == FunctionKind::kListAppend) {
        DDBD_ASSIGN_OR_RETURN(AttributeValue a, EvalSetOperand(op.args[0], old, ph));
        DDBD_ASSIGN_OR_RETURN(AttributeValue b, EvalSetOperand(op.args[1], old, ph));
        if (a.type != AttrType::kL || b.type != AttrType::kL) return WrongDataType();
        for (auto& e : b.list) a.list.push_back(std::move(e));
        return a;
      }
      return Status::Internal("function not allowed in update");
  }
  return Status::Internal("unknown operand");
}

// The container holding the last element of `path`, or nullptr if the path's parent does
// not exist (top-level attributes have no parent value: they live in the item itself).
AttributeValue* ParentOf(model::Item& item, const Path& path, const Placeholders& ph) {
  if (path.size() < 2) return nullptr;
  return const_cast<AttributeValue*>(LookupPrefix(item, path, path.size() - 1, ph));
}

Status SetAt(model::Item& item, const Path& path, AttributeValue value, const Placeholders& ph) {
  if (path.size() == 1) {
    item[ElementName(path[0], ph)] = std::move(value);
    return Status::OK();
  }
  AttributeValue* parent = ParentOf(item, path, ph);
  if (parent == nullptr) return InvalidPath();
  const auto& last = path.back();
  if (last.kind == PathElement::Kind::kIndex) {
    if (parent->type != AttrType::kL) return InvalidPath();
    if (last.index >= parent->list.size()) {
      parent->list.push_back(std::move(value));
    } else {
      parent->list[last.index] = std::move(value);
    }
    return Status::OK();
  }
  if (parent->type != AttrType::kM) return InvalidPath();
  parent->map[ElementName(last, ph)] = std::move(value);
  return Status::OK();
}

Status RemoveAt(model::Item& item, const Path& path, const Placeholders& ph) {
  if (path.size() == 1) {
    item.erase(ElementName(path[0], ph));
    return Status::OK();
  }
  AttributeValue* parent = ParentOf(item, path, ph);
  if (parent == nullptr) return InvalidPath();  // REMOVE a.b without a
  const auto& last = path.back();
  if (last.kind == PathElement::Kind::kIndex) {
    if (parent->type != AttrType::kL) return InvalidPath();
    if (last.index < parent->list.size()) parent->list.erase(parent->list.begin() + last.index);
    return Status::OK();
  }
  if (parent->type != AttrType::kM) return InvalidPath();
  parent->map.erase(ElementName(last, ph));
  return Status::OK();
}

AttributeValue* MutableLookup(model::Item& item, const Path& path, const Placeholders& ph) {
  return const_cast<AttributeValue*>(Lookup(item, path, ph));
}

bool IsSet(AttrType t) { return t == AttrType::kSS || t == AttrType::kNS || t == AttrType::kBS; }

Status AddTo(model::Item& item, const Path& path, const AttributeValue& value,
             const Placeholders& ph) {
  AttributeValue* current = MutableLookup(item, path, ph);
  if (current == nullptr) return SetAt(item, path, value, ph);
  if (current->type != value.type) return WrongDataType();
  switch (value.type) {
    case AttrType::kN: {
      DDBD_ASSIGN_OR_RETURN(current->num, current->num.Add(value.num));
      return Status::OK();
    }
    case AttrType::kSS:
    case AttrType::kBS:
      for (const auto& s : value.strings) {
        if (std::find(current->strings.begin(), current->strings.end(), s) ==
            current->strings.end()) {
          current->strings.push_back(s);
        }
      }
      return Status::OK();
    case AttrType::kNS:
      for (const auto& n : value.numbers) {
        if (std::find(current->numbers.begin(), current->numbers.end(), n) ==
            current->numbers.end()) {
          current->numbers.push_back(n);
        }
      }
      return Status::OK();
    case AttrType::kL:  // only reachable from the legacy AttributeUpdates ADD
      for (const auto& e : value.list) current->list.push_back(e);
      return Status::OK();
    default:
      return WrongDataType();
  }
}

Status DeleteFrom(model::Item& item, const Path& path, const AttributeValue& value,
                  const Placeholders& ph) {
  AttributeValue* current = MutableLookup(item, path, ph);
  if (current == nullptr) return Status::OK();
  if (current->type != value.type || !IsSet(value.type)) return WrongDataType();
  if (value.type == AttrType::kNS) {
    std::erase_if(current->numbers, [&](const model::Number& n) {
      return std::find(value.numbers.begin(), value.numbers.end(), n) != value.numbers.end();
    });
    if (current->numbers.empty()) return RemoveAt(item, path, ph);
  } else {
    std::erase_if(current->strings, [&](const std::string& s) {
      return std::find(value.strings.begin(), value.strings.end(), s) != value.strings.end();
    });
    if (current->strings.empty()) return RemoveAt(item, path, ph);
  }
  return Status::OK();
}

}  // namespace

Status ApplyUpdate(const UpdateExpression& update, const model::Item* old_item,
                   const Placeholders& ph, model::Item* item) {
  // 1. Every value from the old item.
  std::vector<std::optional<AttributeValue>> values(update.actions.size());
  for (size_t i = 0; i < update.actions.size(); ++i) {
    const auto& action = update.actions[i];
    if (action.kind == UpdateAction::Kind::kRemove) continue;
    DDBD_ASSIGN_OR_RETURN(values[i], EvalSetOperand(action.value, old_item, ph));
  }
  // 2. SET. Elements set past the end of a list are appended in index order, whatever the
  // order of the actions (SET l[11] = :b, l[10] = :a appends :a, then :b).
  std::vector<size_t> appends;
  for (size_t i = 0; i < update.actions.size(); ++i) {
    const auto& action = update.actions[i];
    if (action.kind != UpdateAction::Kind::kSet) continue;
    if (action.path.size() > 1 && action.path.back().kind == PathElement::Kind::kIndex) {
      appends.push_back(i);
      continue;
    }
    DDBD_RETURN_IF_ERROR(SetAt(*item, action.path, std::move(*values[i]), ph));
  }
  std::stable_sort(appends.begin(), appends.end(), [&](size_t a, size_t b) {
    return update.actions[a].path.back().index < update.actions[b].path.back().index;
  });
  for (size_t i : appends) {
    DDBD_RETURN_IF_ERROR(SetAt(*item, update.actions[i].path, std::move(*values[i]), ph));
  }
  // 3. REMOVE, list indexes highest first so positions refer to the original list.
  std::vector<const Path*> removes, index_removes;
  for (const auto& action : update.actions) {
    if (action.kind != UpdateAction::Kind::kRemove) continue;
    bool index = action.path.back().kind == PathElement::Kind::kIndex;
    (index ? index_removes : removes).push_back(&action.path);
  }
  std::stable_sort(index_removes.begin(), index_removes.end(),
                   [](const Path* a, const Path* b) { return a->back().index > b->back().index; });
  removes.insert(removes.end(), index_removes.begin(), index_removes.end());
  for (const Path* path : removes) DDBD_RETURN_IF_ERROR(RemoveAt(*item, *path, ph));
  // 4. ADD and DELETE.
  for (size_t i = 0; i < update.actions.size(); ++i) {
    const auto& action = update.actions[i];
    if (action.kind == UpdateAction::Kind::kAdd) {
      DDBD_RETURN_IF_ERROR(AddTo(*item, action.path, *values[i], ph));
    } else if (action.kind == UpdateAction::Kind::kDelete) {
      DDBD_RETURN_IF_ERROR(DeleteFrom(*item, action.path, *values[i], ph));
    }
  }
  return Status::OK();
}

bool OnlyRemoves(const UpdateExpression& update) {
  return std::all_of(update.actions.begin(), update.actions.end(),
                     [](const UpdateAction& a) { return a.kind == UpdateAction::Kind::kRemove; });
}

}  // namespace ddbd::expr
