// Resolution: placeholders defined and used, literal operand types. Runs once per request
// before any item is read (the service rejects these before touching data).
#include <algorithm>

#include "expr/eval.h"

namespace ddbd::expr {
namespace {

using model::AttributeValue;
using model::AttrType;

bool IsOrderable(AttrType t) { return t == AttrType::kN || t == AttrType::kS || t == AttrType::kB; }

// The long type names the service uses in ADD/DELETE operand errors.
std::string LongTypeName(AttrType t) {
  switch (t) {
    case AttrType::kS:
      return "STRING";
    case AttrType::kN:
      return "NUMBER";
    case AttrType::kB:
      return "BINARY";
    case AttrType::kBool:
      return "BOOLEAN";
    case AttrType::kNull:
      return "NULL";
    case AttrType::kM:
      return "MAP";
    case AttrType::kL:
      return "LIST";
    case AttrType::kSS:
      return "STRING_SET";
    case AttrType::kNS:
      return "NUMBER_SET";
    case AttrType::kBS:
      return "BINARY_SET";
  }
  return "UNKNOWN";
}

class Resolver {
 public:
  Resolver(ExpressionKind kind, Placeholders& ph) : kind_(kind), ph_(ph) {}

  Status Error(const std::string& what) const {
    return Status::Validation("Invalid " + std::string(ExpressionKindName(kind_)) + ": " + what);
  }

  Status Path(const expr::Path& path) {
    for (const auto& e : path) {
      if (e.kind != PathElement::Kind::kNamePlaceholder) continue;
      if (!ph_.names.count(e.name)) {
        return Error(
            "An expression attribute name used in the document path is not defined; attribute "
            "name: " +
            e.name);
      }
      ph_.used_names.insert(e.name);
    }
    return Status::OK();
  }

  // The literal value of an operand, or nullptr if it is not a :value.
  Result<const AttributeValue*> Value(const Operand& op) {
    if (op.kind != Operand::Kind::kValue) return static_cast<const AttributeValue*>(nullptr);
    auto it = ph_.values.find(op.value);
    if (it == ph_.values.end()) {
      return Error(
          "An expression attribute value used in expression is not defined; attribute value: " +
          op.value);
    }
    ph_.used_values.insert(op.value);
    return &it->second;
  }

  Status IncorrectType(std::string_view function, const AttributeValue& v) const {
    return Error("Incorrect operand type for operator or function; operator or function: " +
                 std::string(function) +
                 ", operand type: " + std::string(model::AttrTypeName(v.type)));
  }

  Status Operand(const expr::Operand& op) {
    switch (op.kind) {
      case Operand::Kind::kPath:
        return Path(op.path);
      case Operand::Kind::kValue:
        return Value(op).status();
      case Operand::Kind::kPlus:
      case Operand::Kind::kMinus:
        for (const auto& arg : op.args) {
          DDBD_RETURN_IF_ERROR(Operand(arg));
          DDBD_ASSIGN_OR_RETURN(const AttributeValue* v, Value(arg));
          if (v != nullptr && v->type != AttrType::kN) {
            return IncorrectType(op.kind == Operand::Kind::kPlus ? "+" : "-", *v);
          }
        }
        return Status::OK();
      case Operand::Kind::kFunction:
        return Function(op);
    }
    return Status::OK();
  }

  Status Function(const expr::Operand& call) {
    for (const auto& arg : call.args) DDBD_RETURN_IF_ERROR(Operand(arg));
    switch (call.function) {
      case FunctionKind::kAttributeType: {
        DDBD_ASSIGN_OR_RETURN(const AttributeValue* t, Value(call.args[1]));
        if (t == nullptr) break;
        if (t->type != AttrType::kS) return IncorrectType("attribute_type", *t);
        static constexpr std::string_view kTypes[] = {"B", "BOOL", "BS",   "L", "M",
                                                      "N", "NS",   "NULL", "S", "SS"};
        if (std::find(std::begin(kTypes), std::end(kTypes), t->str) == std::end(kTypes)) {
          return Error("Invalid attribute type name found; type: " + t->str +
                       ", valid types: { B, BOOL, BS, L, M, N, NS, NULL, S, SS }");
        }
        break;
      }
      case FunctionKind::kSize: {
        // size() of a literal works where a size exists (strings, binaries, sets, lists,
        // maps), as the service evaluates it; numbers, booleans and nulls have none.
        DDBD_ASSIGN_OR_RETURN(const AttributeValue* v, Value(call.args[0]));
        if (v != nullptr &&
            (v->type == AttrType::kN || v->type == AttrType::kBool || v->type == AttrType::kNull)) {
          return IncorrectType("size", *v);
        }
        break;
      }
      case FunctionKind::kBeginsWith:
        for (const auto& arg : call.args) {
          DDBD_ASSIGN_OR_RETURN(const AttributeValue* v, Value(arg));
          if (v != nullptr && v->type != AttrType::kS && v->type != AttrType::kB) {
            return IncorrectType("begins_with", *v);
          }
        }
        break;
      case FunctionKind::kListAppend:
        for (const auto& arg : call.args) {
          DDBD_ASSIGN_OR_RETURN(const AttributeValue* v, Value(arg));
          if (v != nullptr && v->type != AttrType::kL) return IncorrectType("list_append", *v);
        }
        break;
      default:
        break;
    }
    return Status::OK();
  }

  Status Condition(const expr::Condition& c) {
    for (const auto& child : c.children) DDBD_RETURN_IF_ERROR(Condition(child));
    for (const auto& op : c.operands) DDBD_RETURN_IF_ERROR(Operand(op));
    if (c.kind == Condition::Kind::kCompare && c.comparator != Condition::Comparator::kEq &&
        c.comparator != Condition::Comparator::kNe) {
      static constexpr const char* kSymbols[] = {"=", "<>", "<", "<=", ">", ">="};
      for (const auto& op : c.operands) {
        DDBD_ASSIGN_OR_RETURN(const AttributeValue* v, Value(op));
        if (v != nullptr && !IsOrderable(v->type)) {
          return IncorrectType(kSymbols[static_cast<int>(c.comparator)], *v);
        }
      }
    }
    if (c.kind == Condition::Kind::kBetween) {
      for (const auto& op : c.operands) {
        DDBD_ASSIGN_OR_RETURN(const AttributeValue* v, Value(op));
        if (v != nullptr && !IsOrderable(v->type)) return IncorrectType("BETWEEN", *v);
      }
      DDBD_ASSIGN_OR_RETURN(const AttributeValue* low, Value(c.operands[1]));
      DDBD_ASSIGN_OR_RETURN(const AttributeValue* high, Value(c.operands[2]));
      if (low != nullptr && high != nullptr) {
        if (low->type != high->type) {
          return Error(
              "The BETWEEN operator requires same data type for lower and upper bounds; lower "
              "bound operand: AttributeValue: " +
              DescribeValue(*low) +
              ", upper bound operand: AttributeValue: " + DescribeValue(*high));
        }
        if (CompareScalars(*low, *high) > 0) {
          return Error(
              "The BETWEEN operator requires upper bound to be greater than or equal to lower "
              "bound; lower bound operand: AttributeValue: " +
              DescribeValue(*low) +
              ", upper bound operand: AttributeValue: " + DescribeValue(*high));
        }
      }
    }
    return Status::OK();
  }

  static int CompareScalars(const AttributeValue& a, const AttributeValue& b) {
    if (a.type == AttrType::kN) return a.num.Compare(b.num);
    if (a.type == AttrType::kS || a.type == AttrType::kB) return a.str.compare(b.str);
    return 0;
  }

 private:
  ExpressionKind kind_;
  Placeholders& ph_;
};

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out = "{";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ", ";
    out += keys[i];
  }
  return out + "}";
}

}  // namespace

std::string DescribeValue(const AttributeValue& value) {
  std::string out = "{" + std::string(model::AttrTypeName(value.type)) + ":";
  switch (value.type) {
    case AttrType::kS:
    case AttrType::kB:
      out += value.str;
      break;
    case AttrType::kN:
      out += value.num.ToString();
      break;
    case AttrType::kBool:
      out += value.boolean ? "true" : "false";
      break;
    case AttrType::kNull:
      out += "true";
      break;
    default:
      out += "...";
  }
  return out + "}";
}

Status ResolveCondition(const Condition& condition, ExpressionKind kind, Placeholders& ph) {
  return Resolver(kind, ph).Condition(condition);
}

Status ResolveUpdate(const UpdateExpression& update, Placeholders& ph) {
  Resolver r(ExpressionKind::kUpdate, ph);
  std::vector<Path> paths;
  for (const auto& action : update.actions) {
    DDBD_RETURN_IF_ERROR(r.Path(action.path));
    paths.push_back(action.path);
    if (action.kind == UpdateAction::Kind::kRemove) continue;
    DDBD_RETURN_IF_ERROR(r.Operand(action.value));
    DDBD_ASSIGN_OR_RETURN(const AttributeValue* v, r.Value(action.value));
    if (v == nullptr) continue;
    if (action.kind == UpdateAction::Kind::kAdd && v->type != AttrType::kN &&
        v->type != AttrType::kSS && v->type != AttrType::kNS && v->type != AttrType::kBS) {
      return r.Error(
          "Incorrect operand type for operator or function; operator: ADD, operand "
          "type: " +
          LongTypeName(v->type));
    }
    if (action.kind == UpdateAction::Kind::kDelete && v->type != AttrType::kSS &&
        v->type != AttrType::kNS && v->type != AttrType::kBS) {
      return r.Error(
          "Incorrect operand type for operator or function; operator: DELETE, "
          "operand type: " +
          LongTypeName(v->type));
    }
  }
  return CheckPathsDisjoint(paths, ExpressionKind::kUpdate, ph);
}

Status ResolveProjection(const ProjectionExpression& projection, ExpressionKind kind,
                         Placeholders& ph) {
  Resolver r(kind, ph);
  for (const auto& path : projection.paths) DDBD_RETURN_IF_ERROR(r.Path(path));
  return CheckPathsDisjoint(projection.paths, kind, ph);
}

Status CheckAllPlaceholdersUsed(const Placeholders& ph) {
  std::vector<std::string> unused;
  for (const auto& [k, v] : ph.names) {
    if (!ph.used_names.count(k)) unused.push_back(k);
  }
  if (!unused.empty()) {
    return Status::Validation(
        "Value provided in ExpressionAttributeNames unused in expressions: keys: " +
        JoinKeys(unused));
  }
  for (const auto& [k, v] : ph.values) {
    if (!ph.used_values.count(k)) unused.push_back(k);
  }
  if (!unused.empty()) {
    return Status::Validation(
        "Value provided in ExpressionAttributeValues unused in expressions: keys: " +
        JoinKeys(unused));
  }
  return Status::OK();
}

Status CheckPathsDisjoint(const std::vector<Path>& paths, ExpressionKind kind,
                          const Placeholders& ph) {
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const Path& a = paths[j];
      const Path& b = paths[i];
      size_t n = std::min(a.size(), b.size());
      size_t k = 0;
      bool conflict = false;
      for (; k < n; ++k) {
        const auto& x = a[k];
        const auto& y = b[k];
        bool x_index = x.kind == PathElement::Kind::kIndex;
        bool y_index = y.kind == PathElement::Kind::kIndex;
        if (x_index != y_index) {
          conflict = true;
          break;
        }
        if (x_index ? x.index != y.index : ElementName(x, ph) != ElementName(y, ph)) break;
      }
      std::string prefix = "Invalid " + std::string(ExpressionKindName(kind)) + ": ";
      if (conflict) {
        return Status::Validation(prefix +
                                  "Two document paths conflict with each other; must remove or "
                                  "rewrite one of these paths; path one: " +
                                  PathToString(a, ph) + ", path two: " + PathToString(b, ph));
      }
      if (k == n) {
        return Status::Validation(prefix +
                                  "Two document paths overlap with each other; must remove or "
                                  "rewrite one of these paths; path one: " +
                                  PathToString(a, ph) + ", path two: " + PathToString(b, ph));
      }
    }
  }
  return Status::OK();
}

const std::string& ElementName(const PathElement& element, const Placeholders& ph) {
  if (element.kind == PathElement::Kind::kNamePlaceholder) {
    auto it = ph.names.find(element.name);
    if (it != ph.names.end()) return it->second;
  }
  return element.name;
}

std::string PathToString(const Path& path, const Placeholders& ph) {
  std::string out = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) out += ", ";
    if (path[i].kind == PathElement::Kind::kIndex) {
      out += "[" + std::to_string(path[i].index) + "]";
    } else {
      out += ElementName(path[i], ph);
    }
  }
  return out + "]";
}

std::string PathToDotted(const Path& path, const Placeholders& ph) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i].kind == PathElement::Kind::kIndex) {
      out += "[" + std::to_string(path[i].index) + "]";
    } else {
      if (i) out += ".";
      out += ElementName(path[i], ph);
    }
  }
  return out;
}

}  // namespace ddbd::expr
