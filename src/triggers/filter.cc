#include "triggers/filter.h"

#include <cstdlib>
#include <optional>

#include <strings.h>

#include "common/rapidjson.h"

namespace ddbd::triggers {
namespace {

using Json = rapidjson::Value;

Status Invalid() {
  return Status::Validation("Invalid filter pattern definition.");  // message unverified
}

std::string_view Text(const Json& v) { return {v.GetString(), v.GetStringLength()}; }

std::optional<double> NumberOf(const Json& v) {
  if (v.IsNumber()) return v.GetDouble();
  if (!v.IsString() || v.GetStringLength() == 0) return std::nullopt;
  std::string s(Text(v));
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

bool Glob(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool LiteralEquals(const Json& literal, const Json& value) {
  if (literal.IsString()) return value.IsString() && Text(literal) == Text(value);
  if (literal.IsNumber()) {
    auto n = NumberOf(value);
    return value.IsNumber() && n && *n == literal.GetDouble();
  }
  if (literal.IsBool()) return value.IsBool() && value.GetBool() == literal.GetBool();
  if (literal.IsNull()) return value.IsNull();
  return false;
}

bool NumericMatch(const Json& conditions, const Json& value) {
  auto n = NumberOf(value);
  if (!n) return false;
  for (rapidjson::SizeType i = 0; i + 1 < conditions.Size(); i += 2) {
    std::string_view op = Text(conditions[i]);
    double bound = conditions[i + 1].GetDouble();
    bool ok = op == "="    ? *n == bound
              : op == "<"  ? *n < bound
              : op == "<=" ? *n <= bound
              : op == ">"  ? *n > bound
              : op == ">=" ? *n >= bound
                           : false;
    if (!ok) return false;
  }
  return true;
}

// One element of a pattern array against a present, non-array value.
bool MatchOne(const Json& matcher, const Json& value) {
  if (!matcher.IsObject()) return LiteralEquals(matcher, value);
  const auto& op = *matcher.MemberBegin();
  std::string_view name = Text(op.name);
  const Json& arg = op.value;
  if (name == "prefix") {
    return value.IsString() && Text(value).substr(0, arg.GetStringLength()) == Text(arg);
  }
  if (name == "suffix") {
    std::string_view v = value.IsString() ? Text(value) : std::string_view();
    return value.IsString() && v.size() >= arg.GetStringLength() &&
           v.substr(v.size() - arg.GetStringLength()) == Text(arg);
  }
  if (name == "equals-ignore-case") {
    return value.IsString() && value.GetStringLength() == arg.GetStringLength() &&
           strncasecmp(value.GetString(), arg.GetString(), arg.GetStringLength()) == 0;
  }
  if (name == "wildcard") return value.IsString() && Glob(Text(arg), Text(value));
  if (name == "numeric") return NumericMatch(arg, value);
  if (name == "anything-but") {
    if (arg.IsArray()) {
      for (const auto& a : arg.GetArray()) {
        if (LiteralEquals(a, value)) return false;
      }
      return true;
    }
    if (arg.IsObject()) return !MatchOne(arg, value);
    return !LiteralEquals(arg, value);
  }
  return false;  // "exists" is decided by the caller
}

bool MatchArray(const Json& matchers, const Json* value) {
  for (const auto& m : matchers.GetArray()) {
    if (m.IsObject() && m.MemberBegin()->name == "exists") {
      if (m.MemberBegin()->value.GetBool() == (value != nullptr)) return true;
      continue;
    }
    if (value == nullptr) continue;
    if (value->IsArray()) {
      for (const auto& element : value->GetArray()) {
        if (MatchOne(m, element)) return true;
      }
    } else if (MatchOne(m, *value)) {
      return true;
    }
  }
  return false;
}

bool MatchObject(const Json& pattern, const Json* record) {
  for (const auto& member : pattern.GetObject()) {
    const Json* value = nullptr;
    if (record != nullptr && record->IsObject()) {
      auto it = record->FindMember(member.name);
      if (it != record->MemberEnd()) value = &it->value;
    }
    if (member.value.IsObject()) {
      if (!MatchObject(member.value, value)) return false;
    } else if (!MatchArray(member.value, value)) {
      return false;
    }
  }
  return true;
}

// Checks a pattern's structure once, so matching needs no checks.
bool ValidMatcher(const Json& m) {
  if (!m.IsObject()) return m.IsString() || m.IsNumber() || m.IsBool() || m.IsNull();
  if (m.MemberCount() != 1) return false;
  std::string_view name = Text(m.MemberBegin()->name);
  const Json& arg = m.MemberBegin()->value;
  if (name == "prefix" || name == "suffix" || name == "equals-ignore-case" || name == "wildcard") {
    return arg.IsString();
  }
  if (name == "exists") return arg.IsBool();
  if (name == "numeric") {
    if (!arg.IsArray() || arg.Empty() || arg.Size() % 2 != 0 || arg.Size() > 4) return false;
    for (rapidjson::SizeType i = 0; i < arg.Size(); i += 2) {
      if (!arg[i].IsString() || !arg[i + 1].IsNumber()) return false;
      std::string_view op = Text(arg[i]);
      if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") return false;
    }
    return true;
  }
  if (name == "anything-but") {
    if (arg.IsArray()) {
      for (const auto& a : arg.GetArray()) {
        if (a.IsObject() || a.IsArray()) return false;
      }
      return true;
    }
    if (arg.IsObject()) {
      return arg.MemberCount() == 1 && ValidMatcher(arg) &&
             arg.MemberBegin()->name != "anything-but" && arg.MemberBegin()->name != "exists";
    }
    return true;
  }
  return false;
}

bool ValidPattern(const Json& pattern) {
  if (!pattern.IsObject()) return false;
  for (const auto& member : pattern.GetObject()) {
    if (member.value.IsObject()) {
      if (!ValidPattern(member.value)) return false;
    } else if (member.value.IsArray()) {
      if (member.value.Empty()) return false;
      for (const auto& m : member.value.GetArray()) {
        if (!ValidMatcher(m)) return false;
      }
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

struct FilterSet::Rep {
  std::vector<rapidjson::Document> patterns;
};

FilterSet::FilterSet(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
FilterSet::~FilterSet() = default;

Result<std::unique_ptr<FilterSet>> FilterSet::Parse(const std::vector<std::string>& patterns) {
  auto rep = std::make_unique<Rep>();
  for (const auto& text : patterns) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !ValidPattern(doc)) return Invalid();
    rep->patterns.push_back(std::move(doc));
  }
  return std::unique_ptr<FilterSet>(new FilterSet(std::move(rep)));
}

bool FilterSet::Matches(std::string_view record_json) const {
  if (rep_->patterns.empty()) return true;
  rapidjson::Document record;
  record.Parse(record_json.data(), record_json.size());
  if (record.HasParseError()) return false;
  for (const auto& pattern : rep_->patterns) {
    if (MatchObject(pattern, &record)) return true;
  }
  return false;
}

}  // namespace ddbd::triggers
