// Standard base64 (RFC 4648, with padding), as the DynamoDB JSON protocol carries B and BS.
#pragma once

#include <string>
#include <string_view>

namespace ddbd {

std::string Base64Encode(std::string_view bytes);
// false if `text` is not valid padded base64 (length not a multiple of 4, bad characters,
// padding in the middle).
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace ddbd
