#include "api/ops/expressions.h"

#include <set>

#include "expr/eval.h"

namespace ddbd::api {
namespace {

using expr::Condition;
using expr::Operand;
using expr::Path;
using expr::PathElement;
using model::AttributeValue;

bool Present(const Json& request, const char* name) {
  auto it = request.FindMember(name);
  return it != request.MemberEnd() && !it->value.IsNull();
}

std::string BraceList(const std::vector<std::string>& names) {
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out + "}";
}

Path LiteralPath(const std::string& name) {
  PathElement e;
  e.kind = PathElement::Kind::kName;
  e.name = name;
  return Path{e};
}

Operand PathOperand(const std::string& name) {
  Operand op;
  op.kind = Operand::Kind::kPath;
  op.path = LiteralPath(name);
  return op;
}

// Legacy values get placeholder names no client can write (they contain \x01).
Operand ValueOperand(expr::Placeholders& ph, AttributeValue value) {
  std::string key = ":\x01" + std::to_string(ph.values.size());
  ph.values[key] = std::move(value);
  ph.used_values.insert(key);
  Operand op;
  op.kind = Operand::Kind::kValue;
  op.value = key;
  return op;
}

Condition FunctionCondition(expr::FunctionKind f, std::vector<Operand> args) {
  Condition c;
  c.kind = Condition::Kind::kFunction;
  Operand call;
  call.kind = Operand::Kind::kFunction;
  call.function = f;
  call.args = std::move(args);
  c.operands.push_back(std::move(call));
  return c;
}

Condition Combine(Condition::Kind kind, Condition a, Condition b) {
  Condition c;
  c.kind = kind;
  c.children.push_back(std::move(a));
  c.children.push_back(std::move(b));
  return c;
}

Condition Not(Condition a) {
  Condition c;
  c.kind = Condition::Kind::kNot;
  c.children.push_back(std::move(a));
  return c;
}

Status LegacyInvalid(const std::string& what) {
  return Status::Validation("One or more parameter values were invalid: " + what);
}

// One entry of Expected, as a condition.
Result<Condition> TranslateExpected(const std::string& name, const Json& spec,
                                    expr::Placeholders& ph) {
  if (!spec.IsObject()) return Status::Serialization("Unexpected value type in payload");
  DDBD_ASSIGN_OR_RETURN(auto exists, GetBool(spec, "Exists"));
  DDBD_ASSIGN_OR_RETURN(auto op, GetString(spec, "ComparisonOperator"));
  DDBD_ASSIGN_OR_RETURN(const Json* value_json, GetObject(spec, "Value"));
  DDBD_ASSIGN_OR_RETURN(const Json* list_json, GetArray(spec, "AttributeValueList"));
  std::optional<AttributeValue> value;
  if (value_json != nullptr) {
    value.emplace();
    DDBD_RETURN_IF_ERROR(model::DecodeAttributeValue(*value_json, &*value));
  }
  if (!op) {
    if (list_json != nullptr) {
      return LegacyInvalid(
          "AttributeValueList can only be used with a ComparisonOperator for "
          "Attribute: " +
          name);
    }
    bool must_exist = exists.value_or(true);
    if (must_exist && !value) {
      return LegacyInvalid("Value must be provided when Exists is true for Attribute: " + name);
    }
    if (!must_exist && value) {
      return LegacyInvalid("Value cannot be used when Exists is false for Attribute: " + name);
    }
    if (!must_exist) {
      return FunctionCondition(expr::FunctionKind::kAttributeNotExists, {PathOperand(name)});
    }
    Condition c;
    c.kind = Condition::Kind::kCompare;
    c.comparator = Condition::Comparator::kEq;
    c.operands = {PathOperand(name), ValueOperand(ph, std::move(*value))};
    return c;
  }
  if (exists) {
    return LegacyInvalid("Exists and ComparisonOperator cannot be used together for Attribute: " +
                         name);
  }
  std::vector<AttributeValue> args;
  if (value) args.push_back(std::move(*value));
  if (list_json != nullptr) {
    if (value) {
      return LegacyInvalid("Value and AttributeValueList cannot be used together for Attribute: " +
                           name);
    }
    for (const auto& v : list_json->GetArray()) {
      AttributeValue decoded;
      DDBD_RETURN_IF_ERROR(model::DecodeAttributeValue(v, &decoded));
      args.push_back(std::move(decoded));
    }
  }
  auto arity = [&](size_t n) -> Status {
    if (args.size() != n) {
      return LegacyInvalid("Invalid number of argument(s) for the " + *op + " ComparisonOperator");
    }
    return Status::OK();
  };
  auto scalar_only = [&]() -> Status {
    for (const auto& a : args) {
      if (!a.is_scalar_key_type()) {
        return LegacyInvalid("ComparisonOperator " + *op + " is not valid for " +
                             std::string(model::AttrTypeName(a.type)) + " AttributeValue type");
      }
    }
    return Status::OK();
  };
  auto compare = [&](Condition::Comparator cmp) -> Result<Condition> {
    DDBD_RETURN_IF_ERROR(arity(1));
    if (cmp != Condition::Comparator::kEq && cmp != Condition::Comparator::kNe) {
      DDBD_RETURN_IF_ERROR(scalar_only());
    }
    Condition c;
    c.kind = Condition::Kind::kCompare;
    c.comparator = cmp;
    c.operands = {PathOperand(name), ValueOperand(ph, std::move(args[0]))};
    return c;
  };
  const std::string& o = *op;
  if (o == "EQ") return compare(Condition::Comparator::kEq);
  if (o == "NE") return compare(Condition::Comparator::kNe);
  if (o == "LT") return compare(Condition::Comparator::kLt);
  if (o == "LE") return compare(Condition::Comparator::kLe);
  if (o == "GT") return compare(Condition::Comparator::kGt);
  if (o == "GE") return compare(Condition::Comparator::kGe);
  if (o == "NOT_NULL" || o == "NULL") {
    DDBD_RETURN_IF_ERROR(arity(0));
    return FunctionCondition(o == "NULL" ? expr::FunctionKind::kAttributeNotExists
                                         : expr::FunctionKind::kAttributeExists,
                             {PathOperand(name)});
  }
  if (o == "CONTAINS" || o == "NOT_CONTAINS" || o == "BEGINS_WITH") {
    DDBD_RETURN_IF_ERROR(arity(1));
    DDBD_RETURN_IF_ERROR(scalar_only());
    if (o == "BEGINS_WITH" && args[0].type == model::AttrType::kN) {
      return LegacyInvalid("ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type");
    }
    Condition c = FunctionCondition(
        o == "BEGINS_WITH" ? expr::FunctionKind::kBeginsWith : expr::FunctionKind::kContains,
        {PathOperand(name), ValueOperand(ph, std::move(args[0]))});
    if (o == "NOT_CONTAINS") {
      // NOT_CONTAINS is true only for an existing attribute that lacks the value.
      return Combine(Condition::Kind::kAnd,
                     FunctionCondition(expr::FunctionKind::kAttributeExists, {PathOperand(name)}),
                     Not(std::move(c)));
    }
    return c;
  }
  if (o == "IN") {
    if (args.empty()) return arity(1);
    // Scalars only ("ComparisonOperator IN is not valid for SS AttributeValue type", as the
    // service answered in aws-amplify/aws-sdk-ios issue 273).
    DDBD_RETURN_IF_ERROR(scalar_only());
    Condition c;
    c.kind = Condition::Kind::kIn;
    c.operands.push_back(PathOperand(name));
    for (auto& a : args) c.operands.push_back(ValueOperand(ph, std::move(a)));
    return c;
  }
  if (o == "BETWEEN") {
    DDBD_RETURN_IF_ERROR(arity(2));
    DDBD_RETURN_IF_ERROR(scalar_only());
    if (args[0].type != args[1].type) {
      return LegacyInvalid("AttributeValues inside AttributeValueList must be of same type");
    }
    bool reversed = args[0].type == model::AttrType::kN ? args[0].num.Compare(args[1].num) > 0
                                                        : args[0].str > args[1].str;
    if (reversed) {  // message unverified
      return LegacyInvalid(
          "The BETWEEN condition was provided a range where the lower bound is greater than the "
          "upper bound");
    }
    Condition c;
    c.kind = Condition::Kind::kBetween;
    c.operands = {PathOperand(name), ValueOperand(ph, std::move(args[0])),
                  ValueOperand(ph, std::move(args[1]))};
    return c;
  }
  ConstraintErrors errors;
  errors.Enum(o, "expected.member.comparisonOperator",
              "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, "
              "CONTAINS]");
  return errors.ToStatus();
}

Result<std::shared_ptr<const Condition>> TranslateExpectedMap(const Json& expected,
                                                              const std::string& conditional_op,
                                                              expr::Placeholders& ph) {
  std::optional<Condition> all;
  for (const auto& m : expected.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    DDBD_ASSIGN_OR_RETURN(Condition c, TranslateExpected(name, m.value, ph));
    if (!all) {
      all = std::move(c);
    } else {
      all = Combine(conditional_op == "OR" ? Condition::Kind::kOr : Condition::Kind::kAnd,
                    std::move(*all), std::move(c));
    }
  }
  if (!all) return std::shared_ptr<const Condition>();
  return std::make_shared<const Condition>(std::move(*all));
}

Result<std::shared_ptr<const expr::UpdateExpression>> TranslateAttributeUpdates(
    const Json& updates, expr::Placeholders& ph) {
  auto out = std::make_shared<expr::UpdateExpression>();
  for (const auto& m : updates.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    if (!m.value.IsObject()) return Status::Serialization("Unexpected value type in payload");
    DDBD_ASSIGN_OR_RETURN(auto action, GetString(m.value, "Action"));
    DDBD_ASSIGN_OR_RETURN(const Json* value_json, GetObject(m.value, "Value"));
    std::optional<AttributeValue> value;
    if (value_json != nullptr) {
      value.emplace();
      DDBD_RETURN_IF_ERROR(model::DecodeAttributeValue(*value_json, &*value));
    }
    std::string a = action.value_or("PUT");
    expr::UpdateAction u;
    u.path = LiteralPath(name);
    if (a == "PUT") {
      if (!value) {
        return LegacyInvalid("Only DELETE action is allowed when no attribute value is specified");
      }
      u.kind = expr::UpdateAction::Kind::kSet;
      u.value = ValueOperand(ph, std::move(*value));
    } else if (a == "DELETE") {
      if (!value) {
        u.kind = expr::UpdateAction::Kind::kRemove;
      } else {
        auto t = value->type;
        if (t != model::AttrType::kSS && t != model::AttrType::kNS && t != model::AttrType::kBS) {
          return LegacyInvalid("DELETE action with value is not supported for the type " +
                               std::string(model::AttrTypeName(t)));
        }
        u.kind = expr::UpdateAction::Kind::kDelete;
        u.value = ValueOperand(ph, std::move(*value));
      }
    } else if (a == "ADD") {
      if (!value) {
        return LegacyInvalid("Only DELETE action is allowed when no attribute value is specified");
      }
      auto t = value->type;
      if (t != model::AttrType::kN && t != model::AttrType::kSS && t != model::AttrType::kNS &&
          t != model::AttrType::kBS && t != model::AttrType::kL) {
        return LegacyInvalid("ADD action is not supported for the type " +
                             std::string(model::AttrTypeName(t)));
      }
      u.kind = expr::UpdateAction::Kind::kAdd;
      u.value = ValueOperand(ph, std::move(*value));
    } else {
      ConstraintErrors errors;
      errors.Enum(a, "attributeUpdates.member.action", "[ADD, PUT, DELETE]");
      return errors.ToStatus();
    }
    out->actions.push_back(std::move(u));
  }
  return std::shared_ptr<const expr::UpdateExpression>(std::move(out));
}

// ConditionalOperator without the legacy conditions it joins (captured from the service via
// the AWS CLI, as ExtendDB pull request 213 reports).
Status ConditionalOperatorAlone() {
  return Status::Validation("ConditionalOperator cannot be used without Filter or Expected");
}

}  // namespace

Result<RequestExpressions> ReadExpressions(const Json& request, const ExpressionParams& params) {
  RequestExpressions out;
  // Mixing legacy and expression parameters.
  std::vector<std::string> legacy, modern;
  if (params.condition) {
    if (Present(request, "Expected")) legacy.push_back("Expected");
    if (Present(request, "ConditionalOperator")) legacy.push_back("ConditionalOperator");
    if (Present(request, "ConditionExpression")) modern.push_back("ConditionExpression");
  }
  if (params.update) {
    if (Present(request, "AttributeUpdates")) legacy.push_back("AttributeUpdates");
    if (Present(request, "UpdateExpression")) modern.push_back("UpdateExpression");
  }
  if (params.projection) {
    if (Present(request, "AttributesToGet")) legacy.push_back("AttributesToGet");
    if (Present(request, "ProjectionExpression")) modern.push_back("ProjectionExpression");
  }
  if (params.filter) {
    for (const char* name : {"QueryFilter", "ScanFilter", "ConditionalOperator"}) {
      if (Present(request, name)) legacy.push_back(name);
    }
    if (Present(request, "FilterExpression")) modern.push_back("FilterExpression");
  }
  if (params.key_condition) {
    // The service lets legacy KeyConditions go with a FilterExpression or ProjectionExpression;
    // only with KeyConditionExpression is it a mix.
    if (Present(request, "KeyConditions") && Present(request, "KeyConditionExpression")) {
      legacy.push_back("KeyConditions");
    }
    if (Present(request, "KeyConditionExpression")) modern.push_back("KeyConditionExpression");
  }
  if (!legacy.empty() && !modern.empty()) {
    return Status::Validation(
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: " +
        BraceList(legacy) + " Expression parameters: " + BraceList(modern));
  }

  DDBD_ASSIGN_OR_RETURN(const Json* names, GetObject(request, "ExpressionAttributeNames"));
  DDBD_ASSIGN_OR_RETURN(const Json* values, GetObject(request, "ExpressionAttributeValues"));
  const bool unchecked = modern.empty() && params.placeholders_without_expressions;
  if (names != nullptr && modern.empty() && !unchecked) {
    return Status::Validation(
        "ExpressionAttributeNames can only be specified when using expressions");
  }
  if (values != nullptr && modern.empty() && !unchecked) {
    return Status::Validation(
        "ExpressionAttributeValues can only be specified when using expressions");
  }
  if (names != nullptr) {
    if (names->MemberCount() == 0) {
      return Status::Validation("ExpressionAttributeNames must not be empty");
    }
    for (const auto& m : names->GetObject()) {
      if (!m.value.IsString()) {
        return Status::Serialization(std::string(model::JsonTokenName(m.value)) +
                                     " cannot be converted to String");
      }
      out.ph.names[std::string(m.name.GetString(), m.name.GetStringLength())] =
          std::string(m.value.GetString(), m.value.GetStringLength());
    }
  }
  if (values != nullptr) {
    if (values->MemberCount() == 0) {
      return Status::Validation("ExpressionAttributeValues must not be empty");
    }
    for (const auto& m : values->GetObject()) {
      AttributeValue value;
      Status s = model::DecodeAttributeValue(m.value, &value);
      if (!s.ok()) {
        if (s.code() != ErrorCode::kValidation) return s;
        return Status::Validation("ExpressionAttributeValues contains invalid value: " +
                                  s.message() + " for key " + m.name.GetString());
      }
      out.ph.values[std::string(m.name.GetString(), m.name.GetStringLength())] = std::move(value);
    }
  }

  // Expressions: parse (cached), then resolve against this request's placeholders.
  if (params.update) {
    DDBD_ASSIGN_OR_RETURN(auto text, GetString(request, "UpdateExpression"));
    if (text) {
      DDBD_ASSIGN_OR_RETURN(out.update, expr::ParseUpdate(*text));
      DDBD_RETURN_IF_ERROR(expr::ResolveUpdate(*out.update, out.ph));
    } else if (Present(request, "AttributeUpdates")) {
      DDBD_ASSIGN_OR_RETURN(const Json* updates, GetObject(request, "AttributeUpdates"));
      DDBD_ASSIGN_OR_RETURN(out.update, TranslateAttributeUpdates(*updates, out.ph));
    }
  }
  if (params.condition) {
    DDBD_ASSIGN_OR_RETURN(auto text, GetString(request, "ConditionExpression"));
    DDBD_ASSIGN_OR_RETURN(auto conditional_op, GetString(request, "ConditionalOperator"));
    if (conditional_op && *conditional_op != "AND" && *conditional_op != "OR") {
      ConstraintErrors errors;
      errors.Enum(*conditional_op, "conditionalOperator", "[AND, OR]");
      return errors.ToStatus();
    }
    if (text) {
      DDBD_ASSIGN_OR_RETURN(out.condition,
                            expr::ParseCondition(*text, expr::ExpressionKind::kCondition));
      DDBD_RETURN_IF_ERROR(
          expr::ResolveCondition(*out.condition, expr::ExpressionKind::kCondition, out.ph));
    } else if (Present(request, "Expected")) {
      DDBD_ASSIGN_OR_RETURN(const Json* expected, GetObject(request, "Expected"));
      DDBD_ASSIGN_OR_RETURN(
          out.condition, TranslateExpectedMap(*expected, conditional_op.value_or("AND"), out.ph));
    } else if (conditional_op) {
      return ConditionalOperatorAlone();
    }
  }
  if (params.key_condition) {
    DDBD_ASSIGN_OR_RETURN(auto text, GetString(request, "KeyConditionExpression"));
    if (text) {
      DDBD_ASSIGN_OR_RETURN(out.key_condition,
                            expr::ParseCondition(*text, expr::ExpressionKind::kKeyCondition));
      DDBD_RETURN_IF_ERROR(
          expr::ResolveCondition(*out.key_condition, expr::ExpressionKind::kKeyCondition, out.ph));
    }
  }
  if (params.filter) {
    DDBD_ASSIGN_OR_RETURN(auto text, GetString(request, "FilterExpression"));
    DDBD_ASSIGN_OR_RETURN(auto conditional_op, GetString(request, "ConditionalOperator"));
    if (conditional_op && *conditional_op != "AND" && *conditional_op != "OR") {
      ConstraintErrors errors;
      errors.Enum(*conditional_op, "conditionalOperator", "[AND, OR]");
      return errors.ToStatus();
    }
    const char* legacy_name = Present(request, "QueryFilter") ? "QueryFilter" : "ScanFilter";
    if (text) {
      DDBD_ASSIGN_OR_RETURN(out.condition,
                            expr::ParseCondition(*text, expr::ExpressionKind::kFilter));
      DDBD_RETURN_IF_ERROR(
          expr::ResolveCondition(*out.condition, expr::ExpressionKind::kFilter, out.ph));
    } else if (Present(request, legacy_name)) {
      DDBD_ASSIGN_OR_RETURN(const Json* filter, GetObject(request, legacy_name));
      DDBD_ASSIGN_OR_RETURN(out.condition,
                            TranslateExpectedMap(*filter, conditional_op.value_or("AND"), out.ph));
    } else if (conditional_op) {
      return ConditionalOperatorAlone();
    }
  }
  if (params.projection) {
    DDBD_ASSIGN_OR_RETURN(auto text, GetString(request, "ProjectionExpression"));
    if (text) {
      DDBD_ASSIGN_OR_RETURN(out.projection, expr::ParseProjection(*text));
      DDBD_RETURN_IF_ERROR(
          expr::ResolveProjection(*out.projection, expr::ExpressionKind::kProjection, out.ph));
    } else if (Present(request, "AttributesToGet")) {
      DDBD_ASSIGN_OR_RETURN(const Json* list, GetArray(request, "AttributesToGet"));
      if (list->Empty()) {  // the model's minimum length
        ConstraintErrors errors;
        errors.Add(
            "Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have "
            "length greater than or equal to 1");
        return errors.ToStatus();
      }
      auto projection = std::make_shared<expr::ProjectionExpression>();
      std::set<std::string> seen;
      for (const auto& a : list->GetArray()) {
        if (!a.IsString()) {
          return Status::Serialization(std::string(model::JsonTokenName(a)) +
                                       " cannot be converted to String");
        }
        std::string name(a.GetString(), a.GetStringLength());
        if (!seen.insert(name).second) {
          return LegacyInvalid("Duplicate value in attribute name: " + name);
        }
        projection->paths.push_back(LiteralPath(name));
      }
      out.projection = std::move(projection);
    }
  }
  if (!unchecked) DDBD_RETURN_IF_ERROR(expr::CheckAllPlaceholdersUsed(out.ph));
  return out;
}

std::vector<std::string> UpdatedTopLevelNames(const RequestExpressions& e) {
  std::vector<std::string> names;
  if (!e.update) return names;
  for (const auto& action : e.update->actions) {
    names.push_back(expr::ElementName(action.path[0], e.ph));
  }
  return names;
}

}  // namespace ddbd::api
