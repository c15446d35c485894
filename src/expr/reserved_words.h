// DynamoDB's reserved words: names that may not appear bare in an expression (they must be
// written through an expression attribute name such as #n).
#pragma once

#include <cstddef>
#include <string_view>

namespace ddbd::expr {

// True if `word` (any case) is one of DynamoDB's reserved words.
bool IsReservedWord(std::string_view word);

// Number of reserved words (573, as documented).
size_t ReservedWordCount();

// The list itself, uppercase and strictly sorted (byte order); for tests.
const std::string_view* ReservedWordsBegin();
const std::string_view* ReservedWordsEnd();

}  // namespace ddbd::expr
