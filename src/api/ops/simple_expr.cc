#include "api/ops/simple_expr.h"

#include <cctype>

namespace ddbd::api {
namespace {

struct Token {
  enum Kind { kName, kPlaceholderName, kPlaceholderValue, kComma, kEquals, kOther, kEnd } kind;
  std::string text;
};

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<Token> Tokenize(const std::string& s) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == ',' || c == '=') {
      tokens.push_back({c == ',' ? Token::kComma : Token::kEquals, std::string(1, c)});
      ++i;
      continue;
    }
    if (c == '#' || c == ':' || IsNameChar(c)) {
      size_t j = i + 1;
      while (j < s.size() && IsNameChar(s[j])) ++j;
      Token::Kind kind =
          c == '#' ? Token::kPlaceholderName : (c == ':' ? Token::kPlaceholderValue : Token::kName);
      tokens.push_back({kind, s.substr(i, j - i)});
      i = j;
      continue;
    }
    tokens.push_back({Token::kOther, std::string(1, c)});
    ++i;
  }
  tokens.push_back({Token::kEnd, "<EOF>"});
  return tokens;
}

Status SyntaxError(const char* kind, const Token& token) {
  return Status::Validation(std::string("Invalid ") + kind + ": Syntax error; token: \"" +
                            token.text + "\", near: \"" + token.text + "\"");
}

Result<std::string> ResolveName(const char* kind, const Token& token, Placeholders& ph) {
  if (token.kind == Token::kName) return token.text;
  if (token.kind != Token::kPlaceholderName) return SyntaxError(kind, token);
  auto it = ph.names.find(token.text);
  if (it == ph.names.end()) {
    return Status::Validation(std::string("Invalid ") + kind +
                              ": An expression attribute name used in the document path is not "
                              "defined; attribute name: " +
                              token.text);
  }
  ph.used_names.insert(token.text);
  return it->second;
}

bool IsKeyword(const Token& t, const char* word) {
  if (t.kind != Token::kName || t.text.size() != std::char_traits<char>::length(word)) return false;
  for (size_t i = 0; i < t.text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(t.text[i])) != word[i]) return false;
  }
  return true;
}

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out = "{";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ", ";
    out += keys[i];
  }
  return out + "}";
}

}  // namespace

Status Placeholders::CheckAllUsed() const {
  std::vector<std::string> unused;
  for (const auto& [k, v] : names) {
    if (!used_names.count(k)) unused.push_back(k);
  }
  if (!unused.empty()) {
    return Status::Validation(
        "Value provided in ExpressionAttributeNames unused in expressions: keys: " +
        JoinKeys(unused));
  }
  for (const auto& [k, v] : values) {
    if (!used_values.count(k)) unused.push_back(k);
  }
  if (!unused.empty()) {
    return Status::Validation(
        "Value provided in ExpressionAttributeValues unused in expressions: keys: " +
        JoinKeys(unused));
  }
  return Status::OK();
}

Result<std::vector<std::string>> ParseProjection(const std::string& text, Placeholders& ph) {
  constexpr char kKind[] = "ProjectionExpression";
  auto tokens = Tokenize(text);
  std::vector<std::string> names;
  size_t i = 0;
  if (tokens[0].kind == Token::kEnd) {
    return Status::Validation("Invalid ProjectionExpression: The expression can not be empty;");
  }
  while (true) {
    DDBD_ASSIGN_OR_RETURN(std::string name, ResolveName(kKind, tokens[i], ph));
    names.push_back(std::move(name));
    ++i;
    if (tokens[i].kind == Token::kEnd) break;
    if (tokens[i].kind != Token::kComma) return SyntaxError(kKind, tokens[i]);
    ++i;
  }
  return names;
}

Result<SimpleUpdate> ParseUpdate(const std::string& text, Placeholders& ph) {
  constexpr char kKind[] = "UpdateExpression";
  auto tokens = Tokenize(text);
  SimpleUpdate update;
  size_t i = 0;
  if (tokens[0].kind == Token::kEnd) {
    return Status::Validation("Invalid UpdateExpression: The expression can not be empty;");
  }
  while (tokens[i].kind != Token::kEnd) {
    bool is_set = IsKeyword(tokens[i], "SET");
    bool is_remove = IsKeyword(tokens[i], "REMOVE");
    if (!is_set && !is_remove) {
      if (IsKeyword(tokens[i], "ADD") || IsKeyword(tokens[i], "DELETE")) {
        return Status::Validation("ddbd does not support UpdateExpression " + tokens[i].text +
                                  " clauses yet");
      }
      return SyntaxError(kKind, tokens[i]);
    }
    ++i;
    while (true) {
      DDBD_ASSIGN_OR_RETURN(std::string name, ResolveName(kKind, tokens[i], ph));
      ++i;
      if (is_set) {
        if (tokens[i].kind != Token::kEquals) return SyntaxError(kKind, tokens[i]);
        ++i;
        const Token& operand = tokens[i];
        if (operand.kind != Token::kPlaceholderValue) {
          return Status::Validation("ddbd does not support this UpdateExpression operand yet: " +
                                    operand.text);
        }
        auto it = ph.values.find(operand.text);
        if (it == ph.values.end()) {
          return Status::Validation(
              "Invalid UpdateExpression: An expression attribute value used in expression is not "
              "defined; attribute value: " +
              operand.text);
        }
        ph.used_values.insert(operand.text);
        update.sets.push_back({name, it->second});
        ++i;
      } else {
        update.removes.push_back(name);
      }
      if (tokens[i].kind != Token::kComma) break;
      ++i;
    }
  }
  return update;
}

}  // namespace ddbd::api
