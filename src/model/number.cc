#include "model/number.h"

#include <algorithm>
#include <utility>

namespace ddbd::model {
namespace {

constexpr char kOverflowMessage[] =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
constexpr char kUnderflowMessage[] =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
constexpr char kPrecisionMessage[] =
    "Attempting to store more than 38 significant digits in a Number";
constexpr char kNotANumberPrefix[] = "The parameter cannot be converted to a numeric value: ";

// Exponent digits beyond this are clamped: any such number is out of range (or zero) anyway,
// and clamping keeps the arithmetic in int64_t.
constexpr int64_t kExponentClamp = int64_t{1} << 40;

constexpr uint8_t kSignNegative = 0x01;
constexpr uint8_t kSignZero = 0x02;
constexpr uint8_t kSignPositive = 0x03;
constexpr int kMaxPairs = (Number::kMaxDigits + 1) / 2;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Floor division by 2 that is correct for negative numbers.
int64_t FloorHalf(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

Status NotANumber(std::string_view text) {
  std::string message(kNotANumberPrefix);
  message.append(text);
  return Status::Validation(std::move(message));
}

// Lays the digits of magnitude (digits, exponent) out over the place values
// [low, top) (most significant first), as digit values 0..9.
std::string Align(std::string_view digits, int32_t exponent, int64_t top, int64_t low) {
  std::string out(static_cast<size_t>(top - low), 0);
  const int64_t offset = top - exponent;
  for (size_t i = 0; i < digits.size(); ++i) {
    out[static_cast<size_t>(offset) + i] = static_cast<char>(digits[i] - '0');
  }
  return out;
}

}  // namespace

Result<Number> Number::Make(bool negative, std::string digits, int64_t exponent) {
  size_t first = 0;
  while (first < digits.size() && digits[first] == '0') ++first;
  if (first == digits.size()) return Number();
  size_t last = digits.size();
  while (digits[last - 1] == '0') --last;
  exponent -= static_cast<int64_t>(first);
  if (exponent > kMaxExponent) return Status::Validation(kOverflowMessage);
  if (exponent < kMinExponent) return Status::Validation(kUnderflowMessage);
  if (last - first > static_cast<size_t>(kMaxDigits)) {
    return Status::Validation(kPrecisionMessage);
  }
  Number n;
  n.negative_ = negative;
  n.digits_ = digits.substr(first, last - first);
  n.exponent_ = static_cast<int32_t>(exponent);
  return n;
}

Result<Number> Number::Parse(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  std::string mantissa;
  int64_t integer_digits = 0;
  bool seen_point = false;
  for (; i < n; ++i) {
    const char c = text[i];
    if (IsDigit(c)) {
      mantissa.push_back(c);
      if (!seen_point) ++integer_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (mantissa.empty()) return NotANumber(text);
  int64_t exp = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i == n) return NotANumber(text);
    for (; i < n; ++i) {
      if (!IsDigit(text[i])) return NotANumber(text);
      exp = std::min<int64_t>(exp * 10 + (text[i] - '0'), kExponentClamp);
    }
    if (exp_negative) exp = -exp;
  }
  if (i != n) return NotANumber(text);
  // value = 0.<mantissa> x 10^(integer_digits + exp)
  return Make(negative, std::move(mantissa), integer_digits + exp);
}

std::string Number::ToString() const {
  if (IsZero()) return "0";
  std::string out;
  if (negative_) out.push_back('-');
  const int64_t len = static_cast<int64_t>(digits_.size());
  if (exponent_ <= 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-exponent_), '0');
    out.append(digits_);
  } else if (exponent_ >= len) {
    out.append(digits_);
    out.append(static_cast<size_t>(exponent_ - len), '0');
  } else {
    out.append(digits_, 0, static_cast<size_t>(exponent_));
    out.push_back('.');
    out.append(digits_, static_cast<size_t>(exponent_), std::string::npos);
  }
  return out;
}

int Number::CompareMagnitude(const Number& a, const Number& b) {
  if (a.IsZero() || b.IsZero()) return (a.IsZero() ? 0 : 1) - (b.IsZero() ? 0 : 1);
  if (a.exponent_ != b.exponent_) return a.exponent_ < b.exponent_ ? -1 : 1;
  // Same exponent and both normalized: digit strings compare lexicographically, and a proper
  // prefix is smaller because the longer one continues with a nonzero tail.
  const int c = a.digits_.compare(b.digits_);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int Number::Compare(const Number& other) const {
  const int sign_a = IsZero() ? 0 : (negative_ ? -1 : 1);
  const int sign_b = other.IsZero() ? 0 : (other.negative_ ? -1 : 1);
  if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
  if (sign_a == 0) return 0;
  const int m = CompareMagnitude(*this, other);
  return negative_ ? -m : m;
}

Number Number::Negated() const {
  Number n = *this;
  if (!n.IsZero()) n.negative_ = !n.negative_;
  return n;
}

Result<Number> Number::Add(const Number& o) const {
  if (o.IsZero()) return *this;
  if (IsZero()) return o;
  const int64_t top = std::max(exponent_, o.exponent_);
  const int64_t low = std::min(exponent_ - static_cast<int64_t>(digits_.size()),
                               o.exponent_ - static_cast<int64_t>(o.digits_.size()));
  if (negative_ == o.negative_) {
    std::string a = Align(digits_, exponent_, top, low);
    const std::string b = Align(o.digits_, o.exponent_, top, low);
    int carry = 0;
    for (size_t i = a.size(); i-- > 0;) {
      const int d = a[i] + b[i] + carry;
      a[i] = static_cast<char>('0' + d % 10);
      carry = d / 10;
    }
    if (carry) a.insert(a.begin(), '1');
    return Make(negative_, std::move(a), top + carry);
  }
  const int m = CompareMagnitude(*this, o);
  if (m == 0) return Number();
  const Number& big = m > 0 ? *this : o;
  const Number& small = m > 0 ? o : *this;
  std::string a = Align(big.digits_, big.exponent_, top, low);
  const std::string b = Align(small.digits_, small.exponent_, top, low);
  int borrow = 0;
  for (size_t i = a.size(); i-- > 0;) {
    int d = a[i] - b[i] - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += 10;
    a[i] = static_cast<char>('0' + d);
  }
  return Make(big.negative_, std::move(a), top);
}

Result<Number> Number::Subtract(const Number& o) const { return Add(o.Negated()); }

void Number::AppendOrdered(std::string* out) const {
  if (IsZero()) {
    out->push_back(static_cast<char>(kSignZero));
    return;
  }
  // Inverting every byte after the sign reverses the order among negatives.
  const uint8_t mask = negative_ ? 0xFF : 0x00;
  out->push_back(static_cast<char>(negative_ ? kSignNegative : kSignPositive));
  out->push_back(static_cast<char>(static_cast<uint8_t>(exponent_ - kMinExponent) ^ mask));
  for (size_t i = 0; i < digits_.size(); i += 2) {
    const int hi = digits_[i] - '0';
    const int lo = i + 1 < digits_.size() ? digits_[i + 1] - '0' : 0;
    out->push_back(static_cast<char>(static_cast<uint8_t>(hi * 10 + lo + 1) ^ mask));
  }
  out->push_back(static_cast<char>(mask));
}

std::string Number::EncodeOrdered() const {
  std::string out;
  AppendOrdered(&out);
  return out;
}

bool Number::ConsumeOrdered(std::string_view* in, Number* out) {
  const std::string_view s = *in;
  if (s.empty()) return false;
  const uint8_t sign = static_cast<uint8_t>(s[0]);
  if (sign == kSignZero) {
    *out = Number();
    in->remove_prefix(1);
    return true;
  }
  if (sign != kSignNegative && sign != kSignPositive) return false;
  const uint8_t mask = sign == kSignNegative ? 0xFF : 0x00;
  if (s.size() < 2) return false;
  const int32_t exponent = static_cast<int32_t>(static_cast<uint8_t>(s[1]) ^ mask) + kMinExponent;
  std::string digits;
  size_t pos = 2;
  int last_pair = -1;
  for (;; ++pos) {
    if (pos >= s.size()) return false;
    const uint8_t b = static_cast<uint8_t>(s[pos]) ^ mask;
    if (b == 0) break;  // terminator
    if (b > 100) return false;
    const int pair = b - 1;
    if (digits.empty() && pair < 10) return false;  // leading zero digit
    if (static_cast<int>(digits.size()) >= 2 * kMaxPairs) return false;
    digits.push_back(static_cast<char>('0' + pair / 10));
    digits.push_back(static_cast<char>('0' + pair % 10));
    last_pair = pair;
  }
  if (last_pair <= 0) return false;             // no digits, or a trailing all-zero pair
  if (digits.back() == '0') digits.pop_back();  // padding of an odd digit count
  Number n;
  n.negative_ = sign == kSignNegative;
  n.digits_ = std::move(digits);
  n.exponent_ = exponent;
  *out = std::move(n);
  in->remove_prefix(pos + 1);
  return true;
}

size_t Number::SizeBytes() const {
  if (IsZero()) return 1;
  // Digit i has place value 10^(exponent_ - 1 - i); base-100 pair k covers places 2k and 2k+1.
  const int64_t first_place = int64_t{exponent_} - 1;
  const int64_t last_place = int64_t{exponent_} - static_cast<int64_t>(digits_.size());
  const int64_t pairs = FloorHalf(first_place) - FloorHalf(last_place) + 1;
  return static_cast<size_t>(1 + pairs + (negative_ ? 1 : 0));
}

}  // namespace ddbd::model
