// Hand-written lexer and recursive-descent parser for DynamoDB's PartiQL (grammar in
// docs/partiql.md). Keywords are case-insensitive; identifiers are case-sensitive, bare
// (letters, digits, _) or in double quotes; strings are in single quotes ('' escapes a quote).
#include <algorithm>
#include <cctype>

#include <strings.h>

#include "partiql/ast.h"

namespace ddbd::partiql {
namespace {

struct Token {
  enum class Kind : uint8_t {
    kEnd,
    kWord,    // bare identifier or keyword
    kQuoted,  // "identifier"
    kString,  // 'string'
    kNumber,
    kSymbol,  // punctuation and operators
  } kind = Kind::kEnd;
  std::string text;  // word, unquoted identifier/string, number or symbol
  size_t line = 1;
  size_t column = 1;
};

// The service's answer to a statement it cannot parse.
Status Malformed(const std::string& detail) {
  return Status::Validation("Statement wasn't well formed, can't be processed: " + detail);
}

std::string Where(const Token& t) {
  return " at [" + std::to_string(t.line) + "," + std::to_string(t.column) + "]";
}

Result<std::vector<Token>> Lex(std::string_view in) {
  std::vector<Token> out;
  size_t line = 1, line_start = 0;
  size_t i = 0;
  auto token = [&](Token::Kind kind, std::string text, size_t at, size_t at_line = 0,
                   size_t at_line_start = 0) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.line = at_line ? at_line : line;
    t.column = at - (at_line ? at_line_start : line_start) + 1;
    out.push_back(std::move(t));
  };
  while (i < in.size()) {
    const char c = in[i];
    if (c == '\n') {
      ++line;
      line_start = ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < in.size() && in[i + 1] == '-') {  // -- comment to end of line
      while (i < in.size() && in[i] != '\n') ++i;
      continue;
    }
    const size_t start = i;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < in.size() &&
             (std::isalnum(static_cast<unsigned char>(in[i])) || in[i] == '_' || in[i] == '$')) {
        ++i;
      }
      token(Token::Kind::kWord, std::string(in.substr(start, i - start)), start);
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < in.size() && std::isdigit(static_cast<unsigned char>(in[i + 1])))) {
      while (i < in.size() && (std::isdigit(static_cast<unsigned char>(in[i])) || in[i] == '.')) {
        ++i;
      }
      if (i < in.size() && (in[i] == 'e' || in[i] == 'E')) {
        size_t j = i + 1;
        if (j < in.size() && (in[j] == '+' || in[j] == '-')) ++j;
        if (j < in.size() && std::isdigit(static_cast<unsigned char>(in[j]))) {
          i = j;
          while (i < in.size() && std::isdigit(static_cast<unsigned char>(in[i]))) ++i;
        }
      }
      token(Token::Kind::kNumber, std::string(in.substr(start, i - start)), start);
      continue;
    }
    if (c == '\'' || c == '"') {
      const size_t start_line = line, start_line_start = line_start;
      std::string text;
      ++i;
      bool closed = false;
      while (i < in.size()) {
        if (in[i] == c) {
          if (i + 1 < in.size() && in[i + 1] == c) {  // doubled quote: one quote
            text += c;
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        if (in[i] == '\n') {
          ++line;
          line_start = i + 1;
        }
        text += in[i++];
      }
      if (!closed) {
        Token t;
        t.line = start_line;
        t.column = start - start_line_start + 1;
        return Malformed(std::string("Unexpected end of input") + Where(t));
      }
      token(c == '\'' ? Token::Kind::kString : Token::Kind::kQuoted, std::move(text), start,
            start_line, start_line_start);
      continue;
    }
    static constexpr std::string_view kTwo[] = {"<>", "!=", "<=", ">=", "<<", ">>"};
    bool two = false;
    for (auto op : kTwo) {
      if (in.substr(i, 2) == op) {
        token(Token::Kind::kSymbol, std::string(op), start);
        i += 2;
        two = true;
        break;
      }
    }
    if (two) continue;
    if (std::string_view("*,.()[]{}:=<>+-?;").find(c) != std::string_view::npos) {
      token(Token::Kind::kSymbol, std::string(1, c), start);
      ++i;
      continue;
    }
    Token t;
    t.line = line;
    t.column = start - line_start + 1;
    // The whole UTF-8 sequence of the character (its lead byte alone would not be text).
    size_t n = 1;
    const auto lead = static_cast<unsigned char>(c);
    if (lead >= 0xC0) n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    n = std::min(n, in.size() - i);
    std::string shown(in.substr(i, n));
    for (size_t k = 1; k < shown.size(); ++k) {
      if ((static_cast<unsigned char>(shown[k]) & 0xC0) != 0x80) shown = "?";
    }
    if (shown.size() == 1 && lead >= 0x80) shown = "?";
    return Malformed("Unexpected character '" + shown + "'" + Where(t));
  }
  Token end;
  end.line = line;
  end.column = in.size() - line_start + 1;
  out.push_back(end);
  return out;
}

constexpr size_t kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Statement> ParseStatement() {
    Statement s;
    if (Keyword("SELECT")) {
      s.kind = Statement::Kind::kSelect;
      DDBD_ASSIGN_OR_RETURN(s.select, ParseSelectBody());
    } else if (Keyword("EXISTS")) {
      s.kind = Statement::Kind::kExists;
      DDBD_RETURN_IF_ERROR(Expect("("));
      if (!Keyword("SELECT")) return Unexpected();
      DDBD_ASSIGN_OR_RETURN(s.select, ParseSelectBody());
      DDBD_RETURN_IF_ERROR(Expect(")"));
    } else if (Keyword("INSERT")) {
      s.kind = Statement::Kind::kInsert;
      if (!Keyword("INTO")) return Unexpected();
      DDBD_ASSIGN_OR_RETURN(s.table, ParseTableRef());
      if (!Keyword("VALUE")) return Unexpected();
      DDBD_ASSIGN_OR_RETURN(s.item, ParseValue(0));
    } else if (Keyword("UPDATE")) {
      s.kind = Statement::Kind::kUpdate;
      DDBD_ASSIGN_OR_RETURN(s.table, ParseTableRef());
      DDBD_RETURN_IF_ERROR(ParseUpdateActions(&s));
      if (!Keyword("WHERE")) return Unexpected();
      DDBD_ASSIGN_OR_RETURN(s.where, ParseCondition(0));
      DDBD_ASSIGN_OR_RETURN(s.returning, ParseReturning(false));
    } else if (Keyword("DELETE")) {
      s.kind = Statement::Kind::kDelete;
      if (!Keyword("FROM")) return Unexpected();
      DDBD_ASSIGN_OR_RETURN(s.table, ParseTableRef());
      if (!Keyword("WHERE")) return Unexpected();
      DDBD_ASSIGN_OR_RETURN(s.where, ParseCondition(0));
      DDBD_ASSIGN_OR_RETURN(s.returning, ParseReturning(true));
    } else {
      return NotDataManipulation();
    }
    Symbol(";");
    if (Peek().kind != Token::Kind::kEnd) return Unexpected();
    s.parameters = parameters_;
    return s;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool IsKeyword(const Token& t, const char* word) const {
    return t.kind == Token::Kind::kWord && strcasecmp(t.text.c_str(), word) == 0;
  }
  bool Keyword(const char* word) {
    if (!IsKeyword(Peek(), word)) return false;
    Next();
    return true;
  }
  bool IsSymbol(const Token& t, std::string_view symbol) const {
    return t.kind == Token::Kind::kSymbol && t.text == symbol;
  }
  bool Symbol(std::string_view symbol) {
    if (!IsSymbol(Peek(), symbol)) return false;
    Next();
    return true;
  }
  Status Expect(std::string_view symbol) { return Symbol(symbol) ? Status::OK() : Unexpected(); }
  Status Unexpected() const {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kEnd) return Malformed("Unexpected end of input" + Where(t));
    const std::string shown = t.kind == Token::Kind::kString   ? "'" + t.text + "'"
                              : t.kind == Token::Kind::kQuoted ? "\"" + t.text + "\""
                                                               : t.text;
    return Malformed("Unexpected token: " + shown + Where(t));
  }
  // Quoted from the service (awsdocs/aws-sdk-for-javascript-v3 issue 98).
  static Status NotDataManipulation() { return Malformed("Expected data manipulation"); }
  Status TooDeep() const { return Malformed("Statement nested too deeply" + Where(Peek())); }

  // An identifier: bare (not a keyword of the clause grammar) or double-quoted.
  Result<std::string> Identifier() {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kQuoted) {
      Next();
      return t.text;
    }
    if (t.kind == Token::Kind::kWord) {
      for (const char* reserved :
           {"SELECT", "FROM",   "WHERE", "AND",     "OR",     "NOT",   "INSERT",    "INTO",
            "VALUE",  "UPDATE", "SET",   "REMOVE",  "DELETE", "ORDER", "BY",        "BETWEEN",
            "IN",     "IS",     "NULL",  "MISSING", "TRUE",   "FALSE", "RETURNING", "EXISTS"}) {
        if (IsKeyword(t, reserved)) return Unexpected();
      }
      Next();
      return t.text;
    }
    return Unexpected();
  }

  Result<TableRef> ParseTableRef() {
    TableRef ref;
    DDBD_ASSIGN_OR_RETURN(ref.table, Identifier());
    if (Symbol(".")) {
      std::string index;
      DDBD_ASSIGN_OR_RETURN(index, Identifier());
      ref.index = std::move(index);
    }
    return ref;
  }

  Result<expr::Path> ParsePath() {
    expr::Path path;
    expr::PathElement first;
    DDBD_ASSIGN_OR_RETURN(first.name, Identifier());
    path.push_back(std::move(first));
    while (true) {
      if (Symbol(".")) {
        expr::PathElement e;
        DDBD_ASSIGN_OR_RETURN(e.name, Identifier());
        path.push_back(std::move(e));
      } else if (IsSymbol(Peek(), "[")) {
        Next();
        const Token& t = Peek();
        if (t.kind != Token::Kind::kNumber ||
            t.text.find_first_not_of("0123456789") != std::string::npos || t.text.size() > 9) {
          return Unexpected();
        }
        Next();
        expr::PathElement e;
        e.kind = expr::PathElement::Kind::kIndex;
        e.index = static_cast<uint32_t>(std::stoul(t.text));
        path.push_back(std::move(e));
        DDBD_RETURN_IF_ERROR(Expect("]"));
      } else {
        return path;
      }
    }
  }

  Result<Select> ParseSelectBody() {
    Select s;
    if (!Symbol("*")) {
      do {
        DDBD_ASSIGN_OR_RETURN(auto path, ParsePath());
        s.projection.push_back(std::move(path));
      } while (Symbol(","));
    }
    if (!Keyword("FROM")) return Unexpected();
    DDBD_ASSIGN_OR_RETURN(s.from, ParseTableRef());
    if (Keyword("WHERE")) {
      DDBD_ASSIGN_OR_RETURN(s.where, ParseCondition(0));
    }
    if (Keyword("ORDER")) {
      if (!Keyword("BY")) return Unexpected();
      do {
        OrderBy o;
        DDBD_ASSIGN_OR_RETURN(o.path, ParsePath());
        if (Keyword("DESC")) {
          o.descending = true;
        } else {
          Keyword("ASC");
        }
        s.order_by.push_back(std::move(o));
      } while (Symbol(","));
    }
    return s;
  }

  Status ParseUpdateActions(Statement* s) {
    bool any = false;
    while (true) {
      if (Keyword("SET")) {
        do {
          UpdateAction a;
          DDBD_ASSIGN_OR_RETURN(a.path, ParsePath());
          DDBD_RETURN_IF_ERROR(Expect("="));
          DDBD_ASSIGN_OR_RETURN(a.value, ParseArithmetic(0));
          s->actions.push_back(std::move(a));
        } while (Symbol(","));
      } else if (Keyword("REMOVE")) {
        do {
          UpdateAction a;
          a.kind = UpdateAction::Kind::kRemove;
          DDBD_ASSIGN_OR_RETURN(a.path, ParsePath());
          s->actions.push_back(std::move(a));
        } while (Symbol(","));
      } else {
        break;
      }
      any = true;
    }
    // An UPDATE whose table is not followed by SET or REMOVE, e.g. an unquoted name with a
    // hyphen, is not a statement at all to the service.
    return any ? Status::OK() : NotDataManipulation();
  }

  Result<Returning> ParseReturning(bool delete_statement) {
    if (!Keyword("RETURNING")) return Returning::kNone;
    bool all = Keyword("ALL");
    if (!all && !Keyword("MODIFIED")) return Unexpected();
    bool old = Keyword("OLD");
    if (!old && !Keyword("NEW")) return Unexpected();
    DDBD_RETURN_IF_ERROR(Expect("*"));
    if (delete_statement && !(all && old)) {
      return Malformed("DELETE supports only RETURNING ALL OLD *");  // message unverified
    }
    return all ? (old ? Returning::kAllOld : Returning::kAllNew)
               : (old ? Returning::kModifiedOld : Returning::kModifiedNew);
  }

  // Conditions, by precedence: OR < AND < NOT < predicates.
  Result<Condition> ParseCondition(size_t depth) { return ParseChain(depth, true); }

  // A chain of ORs of ANDs (`ors`) or of ANDs of NOTs, folded to the left.
  Result<Condition> ParseChain(size_t depth, bool ors) {
    if (depth > kMaxDepth) return TooDeep();
    auto operand = [&]() { return ors ? ParseChain(depth + 1, false) : ParseNot(depth + 1); };
    DDBD_ASSIGN_OR_RETURN(Condition left, operand());
    while (Keyword(ors ? "OR" : "AND")) {
      DDBD_ASSIGN_OR_RETURN(Condition right, operand());
      Condition c;
      c.kind = ors ? Condition::Kind::kOr : Condition::Kind::kAnd;
      c.children.push_back(std::move(left));
      c.children.push_back(std::move(right));
      left = std::move(c);
    }
    return left;
  }
  Result<Condition> ParseNot(size_t depth) {
    if (depth > kMaxDepth) return TooDeep();
    if (Keyword("NOT")) {
      DDBD_ASSIGN_OR_RETURN(Condition inner, ParseNot(depth + 1));
      Condition c;
      c.kind = Condition::Kind::kNot;
      c.children.push_back(std::move(inner));
      return c;
    }
    return ParsePredicate(depth + 1);
  }

  static bool BooleanFunction(const std::string& name) {
    return name == "begins_with" || name == "contains" || name == "attribute_type";
  }

  Result<Condition> ParsePredicate(size_t depth) {
    if (depth > kMaxDepth) return TooDeep();
    if (IsSymbol(Peek(), "(")) {
      Next();
      DDBD_ASSIGN_OR_RETURN(Condition inner, ParseCondition(depth + 1));
      DDBD_RETURN_IF_ERROR(Expect(")"));
      return inner;
    }
    DDBD_ASSIGN_OR_RETURN(Operand left, ParseArithmetic(depth + 1));
    Condition c;
    if (left.kind == Operand::Kind::kFunction && BooleanFunction(left.function)) {
      c.kind = Condition::Kind::kFunction;
      c.operands.push_back(std::move(left));
      return c;
    }
    c.operands.push_back(std::move(left));
    const Token& t = Peek();
    static constexpr std::pair<std::string_view, Condition::Comparator> kComparators[] = {
        {"=", Condition::Comparator::kEq},  {"<>", Condition::Comparator::kNe},
        {"!=", Condition::Comparator::kNe}, {"<", Condition::Comparator::kLt},
        {"<=", Condition::Comparator::kLe}, {">", Condition::Comparator::kGt},
        {">=", Condition::Comparator::kGe}};
    for (const auto& [symbol, comparator] : kComparators) {
      if (IsSymbol(t, symbol)) {
        Next();
        c.kind = Condition::Kind::kCompare;
        c.comparator = comparator;
        DDBD_ASSIGN_OR_RETURN(Operand right, ParseArithmetic(depth + 1));
        c.operands.push_back(std::move(right));
        return c;
      }
    }
    if (Keyword("BETWEEN")) {
      c.kind = Condition::Kind::kBetween;
      DDBD_ASSIGN_OR_RETURN(Operand low, ParseArithmetic(depth + 1));
      if (!Keyword("AND")) return Unexpected();
      DDBD_ASSIGN_OR_RETURN(Operand high, ParseArithmetic(depth + 1));
      c.operands.push_back(std::move(low));
      c.operands.push_back(std::move(high));
      return c;
    }
    if (Keyword("IN")) {
      c.kind = Condition::Kind::kIn;
      const bool bracket = Symbol("[");
      if (!bracket) DDBD_RETURN_IF_ERROR(Expect("("));
      do {
        DDBD_ASSIGN_OR_RETURN(Operand v, ParseArithmetic(depth + 1));
        c.operands.push_back(std::move(v));
      } while (Symbol(","));
      DDBD_RETURN_IF_ERROR(Expect(bracket ? "]" : ")"));
      return c;
    }
    if (Keyword("IS")) {
      c.negated = Keyword("NOT");
      if (Keyword("MISSING")) {
        c.kind = Condition::Kind::kIsMissing;
      } else if (Keyword("NULL")) {
        c.kind = Condition::Kind::kIsNull;
      } else {
        return Unexpected();
      }
      return c;
    }
    return Unexpected();
  }

  // operand [(+|-) operand]
  Result<Operand> ParseArithmetic(size_t depth) {
    DDBD_ASSIGN_OR_RETURN(Operand left, ParseOperand(depth + 1));
    if (IsSymbol(Peek(), "+") || IsSymbol(Peek(), "-")) {
      Operand op;
      op.kind = Next().text == "+" ? Operand::Kind::kPlus : Operand::Kind::kMinus;
      DDBD_ASSIGN_OR_RETURN(Operand right, ParseOperand(depth + 1));
      op.args.push_back(std::move(left));
      op.args.push_back(std::move(right));
      return op;
    }
    return left;
  }

  Result<Operand> ParseOperand(size_t depth) {
    if (depth > kMaxDepth) return TooDeep();
    const Token& t = Peek();
    Operand op;
    if (t.kind == Token::Kind::kWord && IsSymbol(Peek(1), "(")) {
      std::string name = t.text;
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      for (const char* known : {"size", "begins_with", "contains", "attribute_type", "list_append",
                                "set_add", "set_delete"}) {
        if (name == known) {
          Next();
          Next();
          op.kind = Operand::Kind::kFunction;
          op.function = name;
          if (!IsSymbol(Peek(), ")")) {
            do {
              DDBD_ASSIGN_OR_RETURN(Operand arg, ParseArithmetic(depth + 1));
              op.args.push_back(std::move(arg));
            } while (Symbol(","));
          }
          DDBD_RETURN_IF_ERROR(Expect(")"));
          return op;
        }
      }
      return Malformed("Unsupported function: " + t.text + Where(t));  // message unverified
    }
    if (t.kind == Token::Kind::kWord || t.kind == Token::Kind::kQuoted) {
      if (t.kind == Token::Kind::kWord &&
          (IsKeyword(t, "TRUE") || IsKeyword(t, "FALSE") || IsKeyword(t, "NULL"))) {
        op.kind = Operand::Kind::kValue;
        DDBD_ASSIGN_OR_RETURN(op.value, ParseValue(depth + 1));
        return op;
      }
      op.kind = Operand::Kind::kPath;
      DDBD_ASSIGN_OR_RETURN(op.path, ParsePath());
      return op;
    }
    op.kind = Operand::Kind::kValue;
    DDBD_ASSIGN_OR_RETURN(op.value, ParseValue(depth + 1));
    return op;
  }

  Result<Value> ParseValue(size_t depth) {
    if (depth > kMaxDepth) return TooDeep();
    const Token& t = Peek();
    Value v;
    if (IsSymbol(t, "?")) {
      Next();
      v.kind = Value::Kind::kParameter;
      v.parameter = parameters_++;
      return v;
    }
    if (t.kind == Token::Kind::kString) {
      Next();
      v.literal = model::AttributeValue::String(t.text);
      return v;
    }
    if (t.kind == Token::Kind::kNumber || IsSymbol(t, "-") || IsSymbol(t, "+")) {
      std::string text;
      if (t.kind == Token::Kind::kSymbol) {
        text = Next().text;
        if (Peek().kind != Token::Kind::kNumber) return Unexpected();
      }
      const Token& number = Next();
      text += number.text;
      auto parsed = model::Number::Parse(text);
      if (!parsed.ok()) return Malformed("Invalid number " + text + Where(number));
      v.literal = model::AttributeValue::Num(*parsed);
      return v;
    }
    if (IsKeyword(t, "TRUE") || IsKeyword(t, "FALSE")) {
      Next();
      v.literal = model::AttributeValue::Bool(IsKeyword(t, "TRUE"));
      return v;
    }
    if (IsKeyword(t, "NULL")) {
      Next();
      v.literal = model::AttributeValue::Null();
      return v;
    }
    if (IsSymbol(t, "[") || IsSymbol(t, "<<")) {
      const bool set = IsSymbol(t, "<<");
      Next();
      v.kind = set ? Value::Kind::kSet : Value::Kind::kList;
      const std::string_view close = set ? ">>" : "]";
      if (!IsSymbol(Peek(), close)) {
        do {
          DDBD_ASSIGN_OR_RETURN(Value e, ParseValue(depth + 1));
          v.elements.push_back(std::move(e));
        } while (Symbol(","));
      }
      DDBD_RETURN_IF_ERROR(Expect(close));
      return v;
    }
    if (IsSymbol(t, "{")) {
      Next();
      v.kind = Value::Kind::kMap;
      if (!IsSymbol(Peek(), "}")) {
        do {
          const Token& key = Peek();
          if (key.kind != Token::Kind::kString && key.kind != Token::Kind::kQuoted) {
            return Unexpected();
          }
          Next();
          DDBD_RETURN_IF_ERROR(Expect(":"));
          DDBD_ASSIGN_OR_RETURN(Value member, ParseValue(depth + 1));
          v.keys.push_back(key.text);
          v.elements.push_back(std::move(member));
        } while (Symbol(","));
      }
      DDBD_RETURN_IF_ERROR(Expect("}"));
      return v;
    }
    return Unexpected();
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  size_t parameters_ = 0;
};

}  // namespace

Result<Statement> Parse(std::string_view text) {
  if (text.size() > kMaxStatementLength) {
    return Status::Validation(
        "1 validation error detected: Value at 'statement' failed to satisfy constraint: "
        "Member must have length less than or equal to 8192");
  }
  DDBD_ASSIGN_OR_RETURN(auto tokens, Lex(text));
  Parser parser(std::move(tokens));
  return parser.ParseStatement();
}

Result<model::AttributeValue> ResolveValue(const Value& value,
                                           const std::vector<model::AttributeValue>& params) {
  using model::AttributeValue;
  using model::AttrType;
  switch (value.kind) {
    case Value::Kind::kLiteral:
      return value.literal;
    case Value::Kind::kParameter:
      return params[value.parameter];
    case Value::Kind::kList: {
      AttributeValue out;
      out.type = AttrType::kL;
      for (const auto& e : value.elements) {
        DDBD_ASSIGN_OR_RETURN(auto v, ResolveValue(e, params));
        out.list.push_back(std::move(v));
      }
      return out;
    }
    case Value::Kind::kMap: {
      AttributeValue out;
      out.type = AttrType::kM;
      for (size_t i = 0; i < value.keys.size(); ++i) {
        DDBD_ASSIGN_OR_RETURN(auto v, ResolveValue(value.elements[i], params));
        if (!out.map.emplace(value.keys[i], std::move(v)).second) {
          return Status::Validation("Duplicate key in map: '" + value.keys[i] +
                                    "'");  // message unverified
        }
      }
      return out;
    }
    case Value::Kind::kSet: {
      AttributeValue out;
      for (const auto& e : value.elements) {
        DDBD_ASSIGN_OR_RETURN(auto v, ResolveValue(e, params));
        const AttrType set_type = v.type == AttrType::kS   ? AttrType::kSS
                                  : v.type == AttrType::kN ? AttrType::kNS
                                  : v.type == AttrType::kB ? AttrType::kBS
                                                           : AttrType::kNull;
        if (set_type == AttrType::kNull || (!out.strings.empty() && out.type != set_type) ||
            (!out.numbers.empty() && out.type != set_type)) {
          return Status::Validation(
              "Sets must contain elements of one type: strings, numbers or binaries");  // unverified
        }
        out.type = set_type;
        if (set_type == AttrType::kNS) {
          out.numbers.push_back(v.num);
        } else {
          out.strings.push_back(std::move(v.str));
        }
      }
      if (value.elements.empty()) {
        return Status::Validation("An empty set is not a valid value");  // message unverified
      }
      return out;
    }
  }
  return Status::Internal("unknown value kind");
}

}  // namespace ddbd::partiql
