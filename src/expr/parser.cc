// Lexer and recursive-descent parser. Precedence, lowest first: OR, AND, NOT, then the
// predicates (comparison, BETWEEN, IN, function). Every recursion is bounded by kMaxDepth so
// hostile input cannot exhaust the stack (tests/fuzz/expression_fuzz.cc).
#include "expr/parser.h"

#include <cctype>
#include <string>
#include <vector>

#include "expr/reserved_words.h"

namespace ddbd::expr {
namespace {

// The service has no nesting limit of its own: an expression's 4 KB and 300 operators bound
// it. This bound (a few recursion steps per parenthesis, so several hundred levels) lets every
// such expression through while keeping the stack under a megabyte.
constexpr int kMaxDepth = 2048;
constexpr int kMaxOperators = 300;
constexpr size_t kMaxPathDepth = 32;

enum class Tok : uint8_t {
  kName,
  kNamePh,
  kValuePh,
  kNumber,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kPlus,
  kMinus,
  kInvalid,
  kEnd,
};

struct Token {
  Tok kind;
  size_t begin, end;  // byte offsets into the text
};

// Names start with a letter ("__typename" is a syntax error at the first '_').
bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)); }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<Token> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    auto one = [&](Tok kind) {
      out.push_back({kind, start, start + 1});
      ++i;
    };
    switch (c) {
      case '(':
        one(Tok::kLParen);
        continue;
      case ')':
        one(Tok::kRParen);
        continue;
      case '[':
        one(Tok::kLBracket);
        continue;
      case ']':
        one(Tok::kRBracket);
        continue;
      case ',':
        one(Tok::kComma);
        continue;
      case '.':
        one(Tok::kDot);
        continue;
      case '=':
        one(Tok::kEq);
        continue;
      case '+':
        one(Tok::kPlus);
        continue;
      case '-':
        one(Tok::kMinus);
        continue;
      case '<':
        if (i + 1 < s.size() && s[i + 1] == '>') {
          out.push_back({Tok::kNe, start, start + 2});
          i += 2;
        } else if (i + 1 < s.size() && s[i + 1] == '=') {
          out.push_back({Tok::kLe, start, start + 2});
          i += 2;
        } else {
          one(Tok::kLt);
        }
        continue;
      case '>':
        if (i + 1 < s.size() && s[i + 1] == '=') {
          out.push_back({Tok::kGe, start, start + 2});
          i += 2;
        } else {
          one(Tok::kGt);
        }
        continue;
      default:
        break;
    }
    if (c == '#' || c == ':') {
      size_t j = i + 1;
      while (j < s.size() && IsNameChar(s[j])) ++j;
      if (j == i + 1) {
        one(Tok::kInvalid);
        continue;
      }
      out.push_back({c == '#' ? Tok::kNamePh : Tok::kValuePh, i, j});
      i = j;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      // A name may not start with a digit: "1abc" lexes as one invalid token.
      if (j < s.size() && IsNameStart(s[j])) {
        while (j < s.size() && IsNameChar(s[j])) ++j;
        out.push_back({Tok::kInvalid, i, j});
      } else {
        out.push_back({Tok::kNumber, i, j});
      }
      i = j;
      continue;
    }
    if (IsNameStart(c)) {
      size_t j = i;
      while (j < s.size() && IsNameChar(s[j])) ++j;
      out.push_back({Tok::kName, i, j});
      i = j;
      continue;
    }
    // Any other byte (including UTF-8 sequences) is not part of the grammar.
    size_t j = i + 1;
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    out.push_back({Tok::kInvalid, i, j});
    i = j;
  }
  out.push_back({Tok::kEnd, s.size(), s.size()});
  return out;
}

bool SamePath(const Path& a, const Path& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind || a[i].name != b[i].name || a[i].index != b[i].index) return false;
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

struct FunctionInfo {
  std::string_view name;
  FunctionKind kind;
  int arity;
  bool in_condition;  // allowed in condition/filter expressions
  bool in_update;     // allowed in SET values
  bool boolean;       // a predicate (vs. a value)
};

constexpr FunctionInfo kFunctions[] = {
    {"attribute_exists", FunctionKind::kAttributeExists, 1, true, false, true},
    {"attribute_not_exists", FunctionKind::kAttributeNotExists, 1, true, false, true},
    {"attribute_type", FunctionKind::kAttributeType, 2, true, false, true},
    {"begins_with", FunctionKind::kBeginsWith, 2, true, false, true},
    {"contains", FunctionKind::kContains, 2, true, false, true},
    {"size", FunctionKind::kSize, 1, true, false, false},
    {"if_not_exists", FunctionKind::kIfNotExists, 2, false, true, false},
    {"list_append", FunctionKind::kListAppend, 2, false, true, false},
};

const FunctionInfo* FindFunction(std::string_view name) {
  for (const auto& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

class Parser {
 public:
  Parser(std::string_view text, ExpressionKind kind)
      : text_(text), kind_(kind), tokens_(Lex(text)) {}

  Status CheckPreconditions() {
    if (text_.size() > kMaxExpressionLength) {
      return Error("Expression size has exceeded the maximum allowed size; expression size: " +
                   std::to_string(text_.size()));
    }
    if (tokens_.size() == 1) return Error("The expression can not be empty;");
    return Status::OK();
  }

  Result<Condition> ParseWholeCondition() {
    DDBD_RETURN_IF_ERROR(CheckPreconditions());
    DDBD_ASSIGN_OR_RETURN(Condition c, ParseOr(0));
    if (Peek().kind != Tok::kEnd) return SyntaxError();
    if (operators_ > kMaxOperators) {
      return Error("The expression contains too many operators; operator count: " +
                   std::to_string(operators_));
    }
    return c;
  }

  Result<ProjectionExpression> ParseWholeProjection() {
    DDBD_RETURN_IF_ERROR(CheckPreconditions());
    ProjectionExpression out;
    while (true) {
      DDBD_ASSIGN_OR_RETURN(Path path, ParsePath());
      out.paths.push_back(std::move(path));
      if (Peek().kind == Tok::kEnd) break;
      if (Peek().kind != Tok::kComma) return SyntaxError();
      Advance();
    }
    return out;
  }

  Result<UpdateExpression> ParseWholeUpdate() {
    DDBD_RETURN_IF_ERROR(CheckPreconditions());
    UpdateExpression out;
    bool seen[4] = {false, false, false, false};
    while (Peek().kind != Tok::kEnd) {
      const Token& t = Peek();
      if (t.kind != Tok::kName) return SyntaxError();
      std::string_view word = TokenText(t);
      UpdateAction::Kind kind;
      const char* clause;
      if (EqualsIgnoreCase(word, "SET")) {
        kind = UpdateAction::Kind::kSet, clause = "SET";
      } else if (EqualsIgnoreCase(word, "REMOVE")) {
        kind = UpdateAction::Kind::kRemove, clause = "REMOVE";
      } else if (EqualsIgnoreCase(word, "ADD")) {
        kind = UpdateAction::Kind::kAdd, clause = "ADD";
      } else if (EqualsIgnoreCase(word, "DELETE")) {
        kind = UpdateAction::Kind::kDelete, clause = "DELETE";
      } else {
        return SyntaxError();
      }
      if (seen[static_cast<int>(kind)]) {
        return Error(std::string("The \"") + clause +
                     "\" section can only be used once in an update expression;");
      }
      seen[static_cast<int>(kind)] = true;
      Advance();
      while (true) {
        UpdateAction action;
        action.kind = kind;
        DDBD_ASSIGN_OR_RETURN(action.path, ParsePath());
        if (kind == UpdateAction::Kind::kSet) {
          if (Peek().kind != Tok::kEq) return SyntaxError();
          Advance();
          DDBD_ASSIGN_OR_RETURN(action.value, ParseSetValue());
        } else if (kind != UpdateAction::Kind::kRemove) {
          if (Peek().kind != Tok::kValuePh) return SyntaxError();
          action.value.kind = Operand::Kind::kValue;
          action.value.value = std::string(TokenText(Peek()));
          Advance();
        }
        out.actions.push_back(std::move(action));
        if (Peek().kind != Tok::kComma) break;
        Advance();
      }
    }
    return out;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  void Advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  std::string_view TokenText(const Token& t) const {
    return text_.substr(t.begin, t.end - t.begin);
  }
  bool IsKeyword(const Token& t, std::string_view word) const {
    return t.kind == Tok::kName && EqualsIgnoreCase(TokenText(t), word);
  }

  Status Error(const std::string& what) const {
    return Status::Validation("Invalid " + std::string(ExpressionKindName(kind_)) + ": " + what);
  }

  // "Syntax error; token: "X", near: "prev X next"": the service quotes the offending token
  // and the text from the token before it to the token after it.
  Status SyntaxError() const {
    const Token& t = Peek();
    std::string token = t.kind == Tok::kEnd ? "<EOF>" : std::string(TokenText(t));
    size_t from = pos_ > 0 ? tokens_[pos_ - 1].begin : t.begin;
    size_t to = t.kind == Tok::kEnd ? text_.size()
                                    : (pos_ + 1 < tokens_.size() ? tokens_[pos_ + 1].end : t.end);
    return Error("Syntax error; token: \"" + token + "\", near: \"" +
                 std::string(text_.substr(from, to - from)) + "\"");
  }

  Result<PathElement> ParseNameElement() {
    const Token& t = Peek();
    PathElement e;
    if (t.kind == Tok::kNamePh) {
      e.kind = PathElement::Kind::kNamePlaceholder;
    } else if (t.kind == Tok::kName) {
      if (IsReservedWord(TokenText(t))) {
        return Error("Attribute name is a reserved keyword; reserved keyword: " +
                     std::string(TokenText(t)));
      }
      e.kind = PathElement::Kind::kName;
    } else {
      return SyntaxError();
    }
    e.name = std::string(TokenText(t));
    Advance();
    return e;
  }

  Result<Path> ParsePath() {
    Path path;
    DDBD_ASSIGN_OR_RETURN(PathElement first, ParseNameElement());
    path.push_back(std::move(first));
    while (true) {
      if (Peek().kind == Tok::kDot) {
        Advance();
        DDBD_ASSIGN_OR_RETURN(PathElement e, ParseNameElement());
        path.push_back(std::move(e));
      } else if (Peek().kind == Tok::kLBracket) {
        Advance();
        if (Peek().kind != Tok::kNumber) return SyntaxError();
        std::string_view digits = TokenText(Peek());
        PathElement e;
        e.kind = PathElement::Kind::kIndex;
        if (digits.size() > 9) {
          return Error("List index is not within the allowable range; index: [" +
                       std::string(digits) + "]");
        }
        e.index = static_cast<uint32_t>(std::stoul(std::string(digits)));
        Advance();
        if (Peek().kind != Tok::kRBracket) return SyntaxError();
        Advance();
        path.push_back(std::move(e));
      } else {
        break;
      }
      if (path.size() > kMaxPathDepth) {
        return Error("The document path has too many nesting levels; nesting levels: " +
                     std::to_string(path.size()));
      }
    }
    return path;
  }

  // A function call: name '(' operands ')'. `in_update` selects which functions are allowed.
  Result<Operand> ParseFunction(bool in_update, int depth) {
    std::string name(TokenText(Peek()));
    const FunctionInfo* info = FindFunction(name);
    if (info == nullptr) return Error("Invalid function name; function: " + name);
    if (in_update && !info->in_update) {
      return Error("The function is not allowed in an update expression; function: " + name);
    }
    if (!in_update && !info->in_condition) {
      return Error("The function is not allowed in a condition expression; function: " + name);
    }
    Advance();  // name
    Advance();  // '('
    Operand call;
    call.kind = Operand::Kind::kFunction;
    call.function = info->kind;
    if (Peek().kind != Tok::kRParen) {
      while (true) {
        Operand arg;
        if (in_update) {
          DDBD_ASSIGN_OR_RETURN(arg, ParseSetOperand(depth + 1));
        } else {
          DDBD_ASSIGN_OR_RETURN(arg, ParseOperand(depth + 1));
        }
        call.args.push_back(std::move(arg));
        if (Peek().kind != Tok::kComma) break;
        Advance();
      }
    }
    if (Peek().kind != Tok::kRParen) return SyntaxError();
    Advance();
    if (static_cast<int>(call.args.size()) != info->arity) {
      return Error("Incorrect number of operands for operator or function; operator or function: " +
                   name + ", number of operands: " + std::to_string(call.args.size()));
    }
    // Functions whose first operand must be a document path.
    bool needs_path = info->kind == FunctionKind::kAttributeExists ||
                      info->kind == FunctionKind::kAttributeNotExists ||
                      info->kind == FunctionKind::kAttributeType ||
                      info->kind == FunctionKind::kIfNotExists ||
                      info->kind == FunctionKind::kContains;
    if (needs_path && call.args[0].kind != Operand::Kind::kPath) {
      return Error("Operator or function requires a document path; operator or function: " + name);
    }
    if (info->kind == FunctionKind::kContains && call.args[1].kind == Operand::Kind::kPath &&
        SamePath(call.args[0].path, call.args[1].path)) {
      return Error("The path and the operand of a function must be distinct; function: " + name);
    }
    return call;
  }

  bool AtFunctionCall() const { return Peek().kind == Tok::kName && Peek(1).kind == Tok::kLParen; }

  // Condition operand: path, :value or size(path).
  Result<Operand> ParseOperand(int depth) {
    if (depth > kMaxDepth) return Error("The expression has too many nesting levels");
    Operand op;
    if (Peek().kind == Tok::kValuePh) {
      op.kind = Operand::Kind::kValue;
      op.value = std::string(TokenText(Peek()));
      Advance();
      return op;
    }
    if (AtFunctionCall()) {
      DDBD_ASSIGN_OR_RETURN(op, ParseFunction(false, depth));
      const FunctionInfo* info = FindFunction(TokenTextOfFunction(op));
      if (info != nullptr && info->boolean) {
        return Error("Incorrect operand type for operator or function; operator or function: " +
                     std::string(info->name) + ", operand type: BOOL");
      }
      return op;
    }
    op.kind = Operand::Kind::kPath;
    DDBD_ASSIGN_OR_RETURN(op.path, ParsePath());
    return op;
  }

  static std::string_view TokenTextOfFunction(const Operand& op) {
    for (const auto& f : kFunctions) {
      if (f.kind == op.function) return f.name;
    }
    return "";
  }

  // SET value operand: path, :value, if_not_exists(...), list_append(...).
  Result<Operand> ParseSetOperand(int depth) {
    if (depth > kMaxDepth) return Error("The expression has too many nesting levels");
    Operand op;
    if (Peek().kind == Tok::kValuePh) {
      op.kind = Operand::Kind::kValue;
      op.value = std::string(TokenText(Peek()));
      Advance();
      return op;
    }
    if (AtFunctionCall()) return ParseFunction(true, depth);
    op.kind = Operand::Kind::kPath;
    DDBD_ASSIGN_OR_RETURN(op.path, ParsePath());
    return op;
  }

  // SET value: term, or term '+'/'-' term, where a term is an operand or a parenthesised value
  // (the service accepts "SET a = (a - :v)" and "SET a = b + (:v)"). One arithmetic operator
  // per value: with `arithmetic` false (inside an operand of '+'/'-') a second one is an error.
  Result<Operand> ParseSetValue(int depth = 0, bool arithmetic = true) {
    DDBD_ASSIGN_OR_RETURN(Operand left, ParseSetTerm(depth, arithmetic));
    if (Peek().kind != Tok::kPlus && Peek().kind != Tok::kMinus) return left;
    if (!arithmetic || left.kind == Operand::Kind::kPlus || left.kind == Operand::Kind::kMinus) {
      return SyntaxError();
    }
    Operand op;
    op.kind = Peek().kind == Tok::kPlus ? Operand::Kind::kPlus : Operand::Kind::kMinus;
    Advance();
    DDBD_ASSIGN_OR_RETURN(Operand right, ParseSetTerm(depth, false));
    op.args.push_back(std::move(left));
    op.args.push_back(std::move(right));
    return op;
  }

  Result<Operand> ParseSetTerm(int depth, bool arithmetic) {
    if (Peek().kind != Tok::kLParen) return ParseSetOperand(depth);
    if (depth > kMaxDepth) return Error("The expression has too many nesting levels");
    Advance();
    DDBD_ASSIGN_OR_RETURN(Operand inner, ParseSetValue(depth + 1, arithmetic));
    if (Peek().kind != Tok::kRParen) return SyntaxError();
    Advance();
    return inner;
  }

  Result<Condition> ParseOr(int depth) {
    if (depth > kMaxDepth) return Error("The expression has too many nesting levels");
    DDBD_ASSIGN_OR_RETURN(Condition left, ParseAnd(depth + 1));
    while (IsKeyword(Peek(), "OR")) {
      Advance();
      ++operators_;
      DDBD_ASSIGN_OR_RETURN(Condition right, ParseAnd(depth + 1));
      just_closed_group_ = false;
      Condition c;
      c.kind = Condition::Kind::kOr;
      c.children.push_back(std::move(left));
      c.children.push_back(std::move(right));
      left = std::move(c);
    }
    return left;
  }

  Result<Condition> ParseAnd(int depth) {
    DDBD_ASSIGN_OR_RETURN(Condition left, ParseNot(depth + 1));
    while (IsKeyword(Peek(), "AND")) {
      Advance();
      ++operators_;
      DDBD_ASSIGN_OR_RETURN(Condition right, ParseNot(depth + 1));
      just_closed_group_ = false;
      Condition c;
      c.kind = Condition::Kind::kAnd;
      c.children.push_back(std::move(left));
      c.children.push_back(std::move(right));
      left = std::move(c);
    }
    return left;
  }

  Result<Condition> ParseNot(int depth) {
    if (depth > kMaxDepth) return Error("The expression has too many nesting levels");
    if (IsKeyword(Peek(), "NOT")) {
      Advance();
      DDBD_ASSIGN_OR_RETURN(Condition inner, ParseNot(depth + 1));
      ++operators_;
      just_closed_group_ = false;
      Condition c;
      c.kind = Condition::Kind::kNot;
      c.children.push_back(std::move(inner));
      return c;
    }
    return ParsePredicate(depth + 1);
  }

  Result<Condition> ParsePredicate(int depth) {
    if (Peek().kind == Tok::kLParen) {
      Advance();
      just_closed_group_ = false;
      DDBD_ASSIGN_OR_RETURN(Condition inner, ParseOr(depth + 1));
      // "((a = :v))": a group whose whole content is another group.
      if (just_closed_group_) return Error("The expression has redundant parentheses;");
      if (Peek().kind != Tok::kRParen) return SyntaxError();
      Advance();
      just_closed_group_ = true;
      return inner;
    }
    just_closed_group_ = false;
    ++operators_;
    if (AtFunctionCall()) {
      const FunctionInfo* info = FindFunction(TokenText(Peek()));
      if (info != nullptr && info->boolean) {
        Condition c;
        c.kind = Condition::Kind::kFunction;
        DDBD_ASSIGN_OR_RETURN(Operand call, ParseFunction(false, depth));
        c.operands.push_back(std::move(call));
        return c;
      }
    }
    DDBD_ASSIGN_OR_RETURN(Operand left, ParseOperand(depth + 1));
    Condition c;
    const Token& t = Peek();
    if (IsKeyword(t, "BETWEEN")) {
      Advance();
      c.kind = Condition::Kind::kBetween;
      c.operands.push_back(std::move(left));
      DDBD_ASSIGN_OR_RETURN(Operand low, ParseOperand(depth + 1));
      if (!IsKeyword(Peek(), "AND")) return SyntaxError();
      Advance();
      DDBD_ASSIGN_OR_RETURN(Operand high, ParseOperand(depth + 1));
      c.operands.push_back(std::move(low));
      c.operands.push_back(std::move(high));
      return c;
    }
    if (IsKeyword(t, "IN")) {
      Advance();
      if (Peek().kind != Tok::kLParen) return SyntaxError();
      Advance();
      c.kind = Condition::Kind::kIn;
      c.operands.push_back(std::move(left));
      while (true) {
        DDBD_ASSIGN_OR_RETURN(Operand item, ParseOperand(depth + 1));
        c.operands.push_back(std::move(item));
        if (Peek().kind != Tok::kComma) break;
        Advance();
      }
      if (Peek().kind != Tok::kRParen) return SyntaxError();
      Advance();
      if (c.operands.size() - 1 > 100) {
        return Error("The IN operator is provided with too many operands; number of operands: " +
                     std::to_string(c.operands.size() - 1));
      }
      return c;
    }
    c.kind = Condition::Kind::kCompare;
    switch (t.kind) {
      case Tok::kEq:
        c.comparator = Condition::Comparator::kEq;
        break;
      case Tok::kNe:
        c.comparator = Condition::Comparator::kNe;
        break;
      case Tok::kLt:
        c.comparator = Condition::Comparator::kLt;
        break;
      case Tok::kLe:
        c.comparator = Condition::Comparator::kLe;
        break;
      case Tok::kGt:
        c.comparator = Condition::Comparator::kGt;
        break;
      case Tok::kGe:
        c.comparator = Condition::Comparator::kGe;
        break;
      default:
        return SyntaxError();
    }
    Advance();
    DDBD_ASSIGN_OR_RETURN(Operand right, ParseOperand(depth + 1));
    c.operands.push_back(std::move(left));
    c.operands.push_back(std::move(right));
    return c;
  }

  std::string_view text_;
  ExpressionKind kind_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int operators_ = 0;               // comparisons, functions, AND, OR, NOT
  bool just_closed_group_ = false;  // the last thing parsed was a parenthesized group
};

}  // namespace

std::string_view ExpressionKindName(ExpressionKind kind) {
  switch (kind) {
    case ExpressionKind::kCondition:
      return "ConditionExpression";
    case ExpressionKind::kFilter:
      return "FilterExpression";
    case ExpressionKind::kKeyCondition:
      return "KeyConditionExpression";
    case ExpressionKind::kUpdate:
      return "UpdateExpression";
    case ExpressionKind::kProjection:
      return "ProjectionExpression";
  }
  return "Expression";
}

Result<Condition> ParseConditionUncached(std::string_view text, ExpressionKind kind) {
  return Parser(text, kind).ParseWholeCondition();
}

Result<UpdateExpression> ParseUpdateUncached(std::string_view text) {
  return Parser(text, ExpressionKind::kUpdate).ParseWholeUpdate();
}

Result<ProjectionExpression> ParseProjectionUncached(std::string_view text) {
  return Parser(text, ExpressionKind::kProjection).ParseWholeProjection();
}

}  // namespace ddbd::expr
