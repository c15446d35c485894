// Number: the exact decimal type behind DynamoDB's N attribute type.
//
// A Number holds up to 38 significant decimal digits and a decimal exponent, with no binary
// floating point anywhere. Valid nonzero magnitudes run from 1E-130 to
// 9.9999999999999999999999999999999999999E+125, as documented in the DynamoDB developer guide
// ("Data types"). Every Number that exists is valid: Parse, Add and Subtract refuse to build one
// outside those limits. Numbers are normalized, so 1, 1.0, 01 and 1E0 are the same value with
// the same canonical text, the same ordered encoding and the same size.
//
// Thread-safety: a Number is an immutable-after-construction value type; const methods may be
// called concurrently. It is cheap to copy (a short string and two scalars).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddbd/status.h"

namespace ddbd::model {

class Number {
 public:
  // The most significant digits a Number may have.
  static constexpr int kMaxDigits = 38;
  // Limits of exponent() (see below): 1E-130 is 0.1 x 10^-129, and
  // 9.99...9E+125 is 0.99...9 x 10^126.
  static constexpr int32_t kMinExponent = -129;
  static constexpr int32_t kMaxExponent = 126;

  // Zero.
  Number() = default;

  // Parses DynamoDB number text: an optional sign ('+' or '-'), decimal digits with at most one
  // '.' (at least one digit in all, so ".5" and "5." are fine but "." is not), then an optional
  // exponent: 'e' or 'E', an optional sign, and at least one digit. Leading and trailing zeros
  // are allowed and do not count as significant. Nothing else is accepted: no whitespace, no
  // "Infinity", "NaN", hex or digit separators.
  //
  // Errors, all Status::Validation, checked in this order:
  //   - malformed text: "The parameter cannot be converted to a numeric value: <text>"
  //   - magnitude above 9.9999999999999999999999999999999999999E+125:
  //     "Number overflow. Attempting to store a number with magnitude larger than supported
  //     range"
  //   - nonzero magnitude below 1E-130: "Number underflow. Attempting to store a number with
  //     magnitude smaller than supported range"
  //   - more than 38 significant digits:
  //     "Attempting to store more than 38 significant digits in a Number"
  // Zero with any exponent (e.g. "0E+999") is just zero.
  static Result<Number> Parse(std::string_view text);

  // Canonical text, the way DynamoDB returns numbers: plain positional notation (never an
  // exponent), a '-' only for negative values, no leading zeros except a single "0" before the
  // point, no trailing fractional zeros and no trailing '.'. Zero is "0".
  // Examples: "01.50" -> "1.5", "1E+2" -> "100", "1e-5" -> "0.00001", "-0" -> "0".
  std::string ToString() const;

  // Exact numeric order: <0, 0 or >0 as *this is less than, equal to or greater than `other`.
  int Compare(const Number& other) const;
  bool operator==(const Number& o) const { return Compare(o) == 0; }
  std::strong_ordering operator<=>(const Number& o) const { return Compare(o) <=> 0; }

  bool IsZero() const { return digits_.empty(); }
  bool IsNegative() const { return negative_; }

  // -*this (zero stays zero). Always valid.
  Number Negated() const;

  // Exact sum / difference. The exact result is checked with the same limits and messages as
  // Parse: overflow and underflow first, then "more than 38 significant digits" when the exact
  // result needs more digits than a Number holds (DynamoDB does not round).
  Result<Number> Add(const Number& o) const;
  Result<Number> Subtract(const Number& o) const;

  // Order-preserving, self-delimiting binary encoding for sort keys: for all Numbers a and b,
  // the memcmp order of the encodings equals a.Compare(b), and equal numbers encode identically.
  // An encoding is never a proper prefix of another, so it may be followed by other bytes.
  //
  // Layout: one sign byte (0x01 negative, 0x02 zero, 0x03 positive); zero ends there. Otherwise
  // one exponent byte (exponent() + 129, so 0..255), then the digits in base-100 pairs (the last
  // padded with a 0 digit), each pair stored as pair + 1 (1..100), then a 0x00 terminator. For a
  // negative number the exponent byte, pair bytes and terminator are all bitwise inverted
  // (terminator 0xFF), which reverses their order. At most 2 + 19 + 1 = 22 bytes.
  void AppendOrdered(std::string* out) const;
  std::string EncodeOrdered() const;

  // Decodes one number written by AppendOrdered from the front of *in, stores it in *out and
  // advances *in past it. Returns false (leaving *in and *out untouched) on truncated or
  // malformed input, including non-canonical encodings; safe on arbitrary bytes.
  static bool ConsumeOrdered(std::string_view* in, Number* out);

  // Bytes this number counts for in DynamoDB item size accounting (the attribute name is not
  // included). The developer guide gives "(1 byte per two significant digits) + (1 byte)" with
  // leading and trailing zeros trimmed, and calls it approximate. The rule implemented here:
  // the significant digits are grouped into base-100 pairs aligned at the decimal point (as in
  // 12|34.56|7 -> pairs 12, 34, 56, 70), and the size is 1 + number of pairs, plus 1 more for a
  // negative number. Zero is 1 byte. Examples: 1, 10, 100, 0.5, 0.05 -> 2; 1.5, 110, 123 -> 3;
  // -1 -> 3. The largest is 22 (a negative 38-digit number whose pairs straddle the point).
  size_t SizeBytes() const;

  // The significant digits (no leading or trailing zeros; empty for zero) and the exponent in
  // value = 0.<digits> x 10^exponent (0 for zero). For example 12.5 is ("125", 2) and 0.01 is
  // ("1", -1).
  std::string_view significant_digits() const { return digits_; }
  int32_t exponent() const { return exponent_; }

 private:
  // Builds a Number from an unnormalized magnitude (digits may carry leading/trailing zeros;
  // value = 0.<digits> x 10^exponent) and checks the limits.
  static Result<Number> Make(bool negative, std::string digits, int64_t exponent);
  // Compares magnitudes only.
  static int CompareMagnitude(const Number& a, const Number& b);

  bool negative_ = false;
  std::string digits_;    // significant digits, no leading/trailing zeros; empty means zero
  int32_t exponent_ = 0;  // value = 0.d1d2d3... x 10^exponent_; 0 when zero
};

}  // namespace ddbd::model
