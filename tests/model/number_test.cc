#include "model/number.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace ddbd::model {
namespace {

constexpr char kOverflow[] =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
constexpr char kUnderflow[] =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
constexpr char kPrecision[] = "Attempting to store more than 38 significant digits in a Number";

std::string NotANumber(std::string_view text) {
  return "The parameter cannot be converted to a numeric value: " + std::string(text);
}

Number N(std::string_view text) {
  Result<Number> r = Number::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : Number();
}

std::string Canon(std::string_view text) { return N(text).ToString(); }

// The error message of Parse(text), or "OK".
std::string ParseError(std::string_view text) {
  Result<Number> r = Number::Parse(text);
  if (r.ok()) return "OK";
  EXPECT_EQ(r.status().code(), ErrorCode::kValidation) << text;
  return r.status().message();
}

std::string ResultError(const Result<Number>& r) { return r.ok() ? "OK" : r.status().message(); }

int Sign(int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

int MemcmpSign(const std::string& a, const std::string& b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return Sign(c);
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

std::string Repeat(char c, size_t n) { return std::string(n, c); }

// An independent order oracle over canonical text: splits into sign, integer part and fraction
// part and compares them as strings.
int OracleCompare(const std::string& a, const std::string& b) {
  auto split = [](std::string s) {
    bool neg = false;
    if (!s.empty() && s[0] == '-') {
      neg = true;
      s.erase(0, 1);
    }
    const size_t dot = s.find('.');
    std::string ip = dot == std::string::npos ? s : s.substr(0, dot);
    std::string fp = dot == std::string::npos ? "" : s.substr(dot + 1);
    if (ip == "0") ip.clear();
    return std::make_tuple(neg, ip, fp);
  };
  auto [na, ia, fa] = split(a);
  auto [nb, ib, fb] = split(b);
  const bool za = ia.empty() && fa.empty();
  const bool zb = ib.empty() && fb.empty();
  const int sa = za ? 0 : (na ? -1 : 1);
  const int sb = zb ? 0 : (nb ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int mag;
  if (ia.size() != ib.size()) {
    mag = ia.size() < ib.size() ? -1 : 1;
  } else if (ia != ib) {
    mag = ia < ib ? -1 : 1;
  } else {
    const size_t w = std::max(fa.size(), fb.size());
    fa.resize(w, '0');
    fb.resize(w, '0');
    mag = Sign(fa.compare(fb));
  }
  return sa * mag;
}

// --- Parsing and canonical text -------------------------------------------------------------

TEST(NumberTest, DefaultIsZero) {
  Number n;
  EXPECT_TRUE(n.IsZero());
  EXPECT_FALSE(n.IsNegative());
  EXPECT_EQ(n.ToString(), "0");
  EXPECT_EQ(n, N("0"));
}

TEST(NumberTest, CanonicalText) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0", "0"},
      {"-0", "0"},
      {"+0", "0"},
      {"0.0", "0"},
      {"0.000", "0"},
      {"000", "0"},
      {"-0.000e5", "0"},
      {"0E+99999999999999999999999", "0"},
      {"0e-99999999999999999999999", "0"},
      {"1", "1"},
      {"+5", "5"},
      {"-5", "-5"},
      {"01.50", "1.5"},
      {"1E+2", "100"},
      {"1e2", "100"},
      {"1e-5", "0.00001"},
      {"1e0", "1"},
      {"1E-0", "1"},
      {"1E+0", "1"},
      {"-1.000e-2", "-0.01"},
      {".5", "0.5"},
      {"5.", "5"},
      {"-.5e1", "-5"},
      {"00100", "100"},
      {"100.00100", "100.001"},
      {"123.456e2", "12345.6"},
      {"123.456e-2", "1.23456"},
      {"123.456E3", "123456"},
      {"123.456E4", "1234560"},
      {"0.001234", "0.001234"},
      {"12345e-10", "0.0000012345"},
      {"0.1E1", "1"},
      {"10E-1", "1"},
      {"1e0001", "10"},
      {"1E+50", "1" + Repeat('0', 50)},
      {"1" + Repeat('0', 50), "1" + Repeat('0', 50)},
      {"1E+125", "1" + Repeat('0', 125)},
      {"-1E+125", "-1" + Repeat('0', 125)},
      {"1E-130", "0." + Repeat('0', 129) + "1"},
      {"-1E-130", "-0." + Repeat('0', 129) + "1"},
      {"1234567890123456789012345678901234567.8", "1234567890123456789012345678901234567.8"},
      {Repeat('9', 38), Repeat('9', 38)},
      {"-" + Repeat('9', 38), "-" + Repeat('9', 38)},
      {"0." + Repeat('9', 38), "0." + Repeat('9', 38)},
      {"9.9999999999999999999999999999999999999E+125", Repeat('9', 38) + Repeat('0', 88)},
      {"-9.9999999999999999999999999999999999999E+125", "-" + Repeat('9', 38) + Repeat('0', 88)},
      {"1.0000000000000000000000000000000000001", "1.0000000000000000000000000000000000001"},
      // Leading and trailing zeros do not count towards the 38 digits.
      {"000000000000000000000000000000000000000001", "1"},
      {"1.00000000000000000000000000000000000000000000", "1"},
      {"12345678901234567890123456789012345678000", "12345678901234567890123456789012345678000"},
      {"0.00012345678901234567890123456789012345678",
       "0.00012345678901234567890123456789012345678"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(Canon(in), want) << "input " << in;
    // Canonical text parses back to the same value and the same text.
    EXPECT_EQ(Canon(want), want) << "input " << in;
    EXPECT_EQ(N(want), N(in)) << "input " << in;
  }
  EXPECT_EQ(N("1E+50").ToString().size(), 51u);
}

TEST(NumberTest, AccessorsAndSign) {
  Number n = N("-12.50");
  EXPECT_TRUE(n.IsNegative());
  EXPECT_FALSE(n.IsZero());
  EXPECT_EQ(n.significant_digits(), "125");
  EXPECT_EQ(n.exponent(), 2);
  EXPECT_EQ(N("0.01").significant_digits(), "1");
  EXPECT_EQ(N("0.01").exponent(), -1);
  EXPECT_FALSE(N("-0").IsNegative());
  EXPECT_TRUE(N("-0").IsZero());
  EXPECT_EQ(N("-0").exponent(), 0);
  EXPECT_EQ(N("5").Negated().ToString(), "-5");
  EXPECT_EQ(N("-5").Negated().ToString(), "5");
  EXPECT_FALSE(Number().Negated().IsNegative());
}

TEST(NumberTest, RejectsMalformedText) {
  const std::vector<std::string> bad = {
      "",     "abc",  "1.2.3", "1e",  ".",    "--1",      "++1",       "+-1",
      " 1",   "1 ",   " ",     "\t1", "1\n",  "Infinity", "-Infinity", "inf",
      "NaN",  "nan",  "1e+",   "1e-", "e5",   "E5",       "+",         "-",
      ".e5",  "0x10", "1_000", "1,5", "1..2", "1e5.5",    "1e--5",     "1e+-5",
      "1ee5", "1d",   "1f",    "1L",  "- 1",  "1-",       "1+",        "\xef\xbc\x91"};
  for (const std::string& text : bad) {
    EXPECT_EQ(ParseError(text), NotANumber(text)) << "input [" << text << "]";
  }
  const std::string with_nul("1\0", 2);
  EXPECT_EQ(ParseError(with_nul), NotANumber(with_nul));
  EXPECT_EQ(ParseError("abc"), "The parameter cannot be converted to a numeric value: abc");
}

TEST(NumberTest, SignificantDigitLimit) {
  EXPECT_EQ(ParseError(Repeat('9', 38)), "OK");
  EXPECT_EQ(ParseError(Repeat('9', 39)), kPrecision);
  EXPECT_EQ(ParseError("123456789012345678901234567890123456789"), kPrecision);
  EXPECT_EQ(ParseError("1.23456789012345678901234567890123456789"), kPrecision);
  EXPECT_EQ(ParseError("-1.23456789012345678901234567890123456789"), kPrecision);
  EXPECT_EQ(ParseError("1" + Repeat('0', 37) + "1"), kPrecision);  // 39 significant digits
  EXPECT_EQ(ParseError("1" + Repeat('0', 36) + "1"), "OK");        // 38 significant digits
  EXPECT_EQ(ParseError("0.1" + Repeat('0', 37) + "1"), kPrecision);
  EXPECT_EQ(ParseError("1.00000000000000000000000000000000000001E-100"), kPrecision);
  EXPECT_EQ(ParseError("1" + Repeat('0', 50)), "OK");
  EXPECT_EQ(ParseError("0." + Repeat('0', 100) + "1"), "OK");
}

TEST(NumberTest, RangeLimits) {
  EXPECT_EQ(ParseError("1E-130"), "OK");
  EXPECT_EQ(ParseError("-1E-130"), "OK");
  EXPECT_EQ(ParseError("1.5E-130"), "OK");
  EXPECT_EQ(ParseError("1E-131"), kUnderflow);
  EXPECT_EQ(ParseError("-1E-131"), kUnderflow);
  EXPECT_EQ(ParseError("9.9E-131"), kUnderflow);
  EXPECT_EQ(ParseError("0.1E-130"), kUnderflow);
  EXPECT_EQ(ParseError("0." + Repeat('0', 130) + "1"), kUnderflow);
  EXPECT_EQ(ParseError("0." + Repeat('0', 129) + "1"), "OK");
  EXPECT_EQ(ParseError("1E-99999999999999999999"), kUnderflow);

  EXPECT_EQ(ParseError("9.9999999999999999999999999999999999999E+125"), "OK");
  EXPECT_EQ(ParseError("-9.9999999999999999999999999999999999999E+125"), "OK");
  EXPECT_EQ(ParseError("1E+126"), kOverflow);
  EXPECT_EQ(ParseError("-1E+126"), kOverflow);
  EXPECT_EQ(ParseError("10E+125"), kOverflow);
  EXPECT_EQ(ParseError("0.1E+127"), kOverflow);
  EXPECT_EQ(ParseError("1" + Repeat('0', 126)), kOverflow);
  EXPECT_EQ(ParseError("1" + Repeat('0', 125)), "OK");
  EXPECT_EQ(ParseError("1E+99999999999999999999"), kOverflow);
  EXPECT_EQ(ParseError("1E+2147483648"), kOverflow);
  EXPECT_EQ(ParseError("1E-2147483649"), kUnderflow);
  // Range is checked before precision.
  EXPECT_EQ(ParseError(Repeat('9', 39) + "E+200"), kOverflow);
  EXPECT_EQ(ParseError(Repeat('9', 39) + "E-200"), kUnderflow);
  // Malformed text wins over everything.
  EXPECT_EQ(ParseError(Repeat('9', 39) + "E+200x"), NotANumber(Repeat('9', 39) + "E+200x"));
}

// --- Comparison ----------------------------------------------------------------------------

TEST(NumberTest, CompareOrderedList) {
  const std::vector<std::string> ascending = {
      "-9.9999999999999999999999999999999999999E+125",
      "-1E+125",
      "-1000",
      "-100",
      "-99.5",
      "-10",
      "-9",
      "-1.0000000001",
      "-1",
      "-0.50001",
      "-0.5",
      "-0.1",
      "-1E-129",
      "-1E-130",
      "0",
      "1E-130",
      "1.1E-130",
      "1E-129",
      "0.001",
      "0.0011",
      "0.00999",
      "0.01",
      "0.5",
      "0.50001",
      "0.99999999999999999999999999999999999999",
      "1",
      "1.0000000001",
      "1.1",
      "1.12",
      "1.2",
      "9",
      "10",
      "10.5",
      "99",
      "100",
      "101",
      Repeat('9', 38),
      "1E+38",
      "1E+125",
      "1.0000000000000000000000000000000000001E+125",
      "9.9999999999999999999999999999999999999E+125",
  };
  for (size_t i = 0; i < ascending.size(); ++i) {
    for (size_t j = 0; j < ascending.size(); ++j) {
      const Number a = N(ascending[i]);
      const Number b = N(ascending[j]);
      const int want = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(Sign(a.Compare(b)), want) << ascending[i] << " vs " << ascending[j];
      EXPECT_EQ(a < b, want < 0);
      EXPECT_EQ(a == b, want == 0);
      EXPECT_EQ(a != b, want != 0);
      EXPECT_EQ(a >= b, want >= 0);
      EXPECT_EQ(MemcmpSign(a.EncodeOrdered(), b.EncodeOrdered()), want)
          << ascending[i] << " vs " << ascending[j];
      EXPECT_EQ(OracleCompare(a.ToString(), b.ToString()), want);
    }
  }
}

TEST(NumberTest, EqualValuesAreIdentical) {
  const std::vector<std::string> ones = {"1",     "1.0", "1E0",     "10E-1",
                                         "0.1E1", "+1",  "001.000", "100e-2"};
  for (const std::string& s : ones) {
    EXPECT_EQ(N(s), N("1")) << s;
    EXPECT_EQ(N(s).EncodeOrdered(), N("1").EncodeOrdered()) << s;
    EXPECT_EQ(N(s).ToString(), "1") << s;
    EXPECT_EQ(N(s).SizeBytes(), N("1").SizeBytes()) << s;
  }
  EXPECT_EQ(N("-0").EncodeOrdered(), N("0").EncodeOrdered());
  EXPECT_EQ(N("0E5").EncodeOrdered(), Number().EncodeOrdered());
}

// --- Arithmetic ----------------------------------------------------------------------------

std::string AddText(std::string_view a, std::string_view b) {
  Result<Number> r = N(a).Add(N(b));
  return r.ok() ? r->ToString() : r.status().message();
}

std::string SubText(std::string_view a, std::string_view b) {
  Result<Number> r = N(a).Subtract(N(b));
  return r.ok() ? r->ToString() : r.status().message();
}

TEST(NumberTest, AddTenthsExactly) {
  Number sum;
  const Number tenth = N("0.1");
  for (int i = 0; i < 10; ++i) {
    Result<Number> r = sum.Add(tenth);
    ASSERT_TRUE(r.ok());
    sum = *r;
  }
  EXPECT_EQ(sum, N("1"));
  EXPECT_EQ(sum.ToString(), "1");
  EXPECT_EQ(sum.EncodeOrdered(), N("1").EncodeOrdered());
}

TEST(NumberTest, AddAndSubtract) {
  EXPECT_EQ(AddText("1", "1"), "2");
  EXPECT_EQ(AddText("1", "-1"), "0");
  EXPECT_EQ(AddText("-1", "1"), "0");
  EXPECT_EQ(AddText("0", "0"), "0");
  EXPECT_EQ(AddText("0", "-7.5"), "-7.5");
  EXPECT_EQ(AddText("-7.5", "0"), "-7.5");
  EXPECT_EQ(AddText("123.45", "0.55"), "124");
  EXPECT_EQ(AddText("-5", "3"), "-2");
  EXPECT_EQ(AddText("5", "-3"), "2");
  EXPECT_EQ(AddText("-5", "-3"), "-8");
  EXPECT_EQ(AddText("99999", "1"), "100000");
  EXPECT_EQ(AddText("0.999", "0.001"), "1");
  EXPECT_EQ(AddText("1E+100", "1E+100"), "2" + Repeat('0', 100));
  EXPECT_EQ(AddText("1E-130", "1E-130"), "0." + Repeat('0', 129) + "2");
  EXPECT_EQ(AddText("1000", "0.001"), "1000.001");
  EXPECT_EQ(SubText("3", "5"), "-2");
  EXPECT_EQ(SubText("0", "5"), "-5");
  EXPECT_EQ(SubText("5", "0"), "5");
  EXPECT_EQ(SubText("-3", "-5"), "2");
  EXPECT_EQ(SubText("1", "0.0001"), "0.9999");
  EXPECT_EQ(SubText("100000", "1"), "99999");
  EXPECT_EQ(SubText("1.5", "1.5"), "0");
  EXPECT_EQ(SubText("1E-129", "9E-130"), "0." + Repeat('0', 129) + "1");
  EXPECT_EQ(SubText("1", "1E-38"), "0." + Repeat('9', 38));
  EXPECT_EQ(SubText("10.01", "0.01"), "10");
}

TEST(NumberTest, ArithmeticLimits) {
  // Overflow.
  EXPECT_EQ(AddText("9.99E+125", "9.99E+125"), kOverflow);
  EXPECT_EQ(AddText("-9.99E+125", "-9.99E+125"), kOverflow);
  EXPECT_EQ(SubText("9.99E+125", "-9.99E+125"), kOverflow);
  EXPECT_EQ(AddText("9.9999999999999999999999999999999999999E+125", "1E+88"), kOverflow);
  EXPECT_EQ(AddText("9.9999999999999999999999999999999999999E+125", "-1E+88"),
            "99999999999999999999999999999999999998" + Repeat('0', 88));
  // Underflow.
  EXPECT_EQ(SubText("1.1E-130", "1E-130"), kUnderflow);
  EXPECT_EQ(AddText("-1.1E-130", "1E-130"), kUnderflow);
  EXPECT_EQ(SubText("1E-129", "9.9E-130"), kUnderflow);
  // Precision loss is an error, never silent rounding.
  EXPECT_EQ(AddText("1E+50", "1"), kPrecision);
  EXPECT_EQ(AddText("12345678901234567890123456789012345678", "0.1"), kPrecision);
  EXPECT_EQ(AddText(Repeat('9', 38), "1"), "1" + Repeat('0', 38));  // 1 significant digit
  EXPECT_EQ(AddText("9.9999999999999999999999999999999999999E+125", "1"), kPrecision);
  EXPECT_EQ(SubText("1", "1E-38"), "0." + Repeat('9', 38));
  EXPECT_EQ(SubText("1", "1E-39"), kPrecision);
  EXPECT_EQ(AddText("1E+125", "1E-130"), kPrecision);
  EXPECT_EQ(SubText("1E+125", "1E+125"), "0");
}

// --- Size ----------------------------------------------------------------------------------

TEST(NumberTest, SizeBytes) {
  const std::vector<std::pair<std::string, size_t>> cases = {
      {"0", 1},
      {"-0", 1},
      {"1", 2},
      {"9", 2},
      {"10", 2},
      {"99", 2},
      {"100", 2},
      {"1000", 2},
      {"1E+125", 2},
      {"1E-130", 2},
      {"0.5", 2},
      {"0.05", 2},
      {"0.12", 2},
      {"1.5", 3},
      {"110", 3},
      {"123", 3},
      {"1234", 3},
      {"12345", 4},
      {"12.34", 3},
      {"1.234", 4},
      {"-1", 3},
      {"-0.5", 3},
      {"-12345", 5},
      {Repeat('9', 38), 20},
      {"-" + Repeat('9', 38), 21},
      {"1.2345678901234567890123456789012345678", 21},
      {"-1.2345678901234567890123456789012345678", 22},
      {"12.345678901234567890123456789012345678", 20},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(N(text).SizeBytes(), want) << text;
  }
}

// --- Ordered encoding ----------------------------------------------------------------------

// A random valid number, biased towards interesting neighbours.
std::string RandomNumberText(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> pct(0, 99);
  if (pct(rng) < 5) return "0";
  std::string text;
  if (pct(rng) < 50) text.push_back('-');
  const int ndigits = 1 + static_cast<int>(pct(rng) < 50 ? rng() % 4 : rng() % 38);
  std::string digits;
  digits.push_back(static_cast<char>('1' + rng() % 9));
  for (int i = 1; i < ndigits; ++i) {
    // Mostly 0/9 so that prefixes and near-ties are common.
    const int r = pct(rng);
    digits.push_back(r < 30 ? '0' : (r < 60 ? '9' : static_cast<char>('0' + rng() % 10)));
  }
  // Scientific notation d.ddd E x: exponent x in [-130, 125].
  int exp;
  if (pct(rng) < 60) {
    exp = static_cast<int>(rng() % 11) - 5;  // small exponents collide often
  } else {
    exp = static_cast<int>(rng() % 256) - 130;
  }
  text += digits.substr(0, 1);
  if (digits.size() > 1) text += "." + digits.substr(1);
  text += "E" + std::to_string(exp);
  return text;
}

TEST(NumberTest, OrderedEncodingMatchesCompareOnRandomPairs) {
  std::mt19937_64 rng(20240611);
  std::vector<Number> pool;
  for (int i = 0; i < 3000; ++i) {
    Result<Number> r = Number::Parse(RandomNumberText(rng));
    if (r.ok()) pool.push_back(*r);  // the last digits may have become trailing zeros etc.
  }
  ASSERT_GT(pool.size(), 2500u);
  int equal = 0;
  for (int i = 0; i < 20000; ++i) {
    const Number& a = pool[rng() % pool.size()];
    const Number& b = pool[rng() % pool.size()];
    const int want = OracleCompare(a.ToString(), b.ToString());
    ASSERT_EQ(Sign(a.Compare(b)), want) << a.ToString() << " vs " << b.ToString();
    ASSERT_EQ(MemcmpSign(a.EncodeOrdered(), b.EncodeOrdered()), want)
        << a.ToString() << " vs " << b.ToString();
    if (want == 0) ++equal;
  }
  EXPECT_GT(equal, 0);
  // Sorting by encoding and by Compare gives the same sequence.
  std::vector<Number> by_compare = pool;
  std::sort(by_compare.begin(), by_compare.end());
  std::vector<std::pair<std::string, size_t>> by_encoding;
  for (size_t i = 0; i < pool.size(); ++i) by_encoding.emplace_back(pool[i].EncodeOrdered(), i);
  std::sort(by_encoding.begin(), by_encoding.end());
  for (size_t i = 0; i < pool.size(); ++i) {
    ASSERT_EQ(pool[by_encoding[i].second], by_compare[i]) << i;
  }
}

TEST(NumberTest, OrderedEncodingWithSuffixStillOrders) {
  // Self-delimiting: a number followed by arbitrary bytes orders by the number first.
  const std::vector<std::string> ascending = {"-10", "-1", "-0.5", "0", "0.5", "1", "1.5", "10"};
  for (size_t i = 0; i + 1 < ascending.size(); ++i) {
    std::string a = N(ascending[i]).EncodeOrdered() + std::string("\xff\xff\xff", 3);
    std::string b = N(ascending[i + 1]).EncodeOrdered() + std::string("\x00", 1);
    EXPECT_LT(MemcmpSign(a, b), 0) << ascending[i];
  }
}

TEST(NumberTest, OrderedRoundTrip) {
  std::mt19937_64 rng(7);
  std::vector<std::string> texts = {"0",
                                    "1",
                                    "-1",
                                    "10",
                                    "0.1",
                                    "-0.05",
                                    "1E-130",
                                    "-1E-130",
                                    "1E+125",
                                    "-1E+125",
                                    Repeat('9', 38),
                                    "-" + Repeat('9', 38),
                                    "9.9999999999999999999999999999999999999E+125",
                                    "-9.9999999999999999999999999999999999999E+125",
                                    "1.2345678901234567890123456789012345678"};
  for (int i = 0; i < 2000; ++i) texts.push_back(RandomNumberText(rng));
  std::string all;
  std::vector<Number> numbers;
  for (const std::string& t : texts) {
    Result<Number> r = Number::Parse(t);
    if (!r.ok()) continue;
    numbers.push_back(*r);
    // Individually, with trailing bytes left alone.
    std::string enc = r->EncodeOrdered();
    EXPECT_LE(enc.size(), 22u);
    enc += "tail";
    std::string_view in = enc;
    Number out = N("42");
    ASSERT_TRUE(Number::ConsumeOrdered(&in, &out)) << t;
    EXPECT_EQ(in, "tail");
    EXPECT_EQ(out, *r);
    EXPECT_EQ(out.ToString(), r->ToString());
    EXPECT_EQ(out.IsNegative(), r->IsNegative());
    EXPECT_EQ(out.SizeBytes(), r->SizeBytes());
    r->AppendOrdered(&all);
  }
  // Concatenated, decoded in sequence.
  std::string_view in = all;
  for (const Number& want : numbers) {
    Number out;
    ASSERT_TRUE(Number::ConsumeOrdered(&in, &out));
    EXPECT_EQ(out.ToString(), want.ToString());
  }
  EXPECT_TRUE(in.empty());
}

TEST(NumberTest, ConsumeOrderedRejectsMalformed) {
  const std::vector<std::string> bad = {
      std::string(),
      std::string("\x00", 1),                  // bad sign byte
      std::string("\x04", 1),                  // bad sign byte
      std::string("\xff", 1),                  // bad sign byte
      std::string("\x03", 1),                  // truncated: no exponent
      std::string("\x03\x81", 2),              // truncated: no digits, no terminator
      std::string("\x03\x81\x0b", 3),          // truncated: no terminator
      std::string("\x03\x81\x00", 3),          // no digits
      std::string("\x03\x81\x05\x00", 4),      // leading zero digit (pair 04)
      std::string("\x03\x81\x0b\x01\x00", 5),  // trailing zero pair
      std::string("\x03\x81\x0b\x66\x00", 5),  // pair byte 102 > 100
      std::string("\x03\x81\xff\x00", 4),      // pair byte out of range
      std::string("\x01\x7e\xff", 3),          // negative without digits
      std::string("\x01\x7e\xfa", 3),          // negative, truncated
      std::string("\x01\x7e\xfa\x00", 4),      // negative, positive terminator, truncated
  };
  for (const std::string& s : bad) {
    std::string_view in = s;
    Number out = N("7");
    EXPECT_FALSE(Number::ConsumeOrdered(&in, &out)) << testing::PrintToString(s);
    EXPECT_EQ(in.size(), s.size());
    EXPECT_EQ(out, N("7"));
  }
  // 20 pairs (more than 38 digits) is rejected; 19 is fine.
  std::string nineteen("\x03\x81", 2);
  nineteen += std::string(19, '\x0c');
  std::string twenty = nineteen + '\x0c';
  nineteen.push_back('\0');
  twenty.push_back('\0');
  std::string_view in = nineteen;
  Number out;
  EXPECT_TRUE(Number::ConsumeOrdered(&in, &out));
  EXPECT_EQ(out.significant_digits().size(), 38u);
  in = twenty;
  EXPECT_FALSE(Number::ConsumeOrdered(&in, &out));
}

TEST(NumberTest, ConsumeOrderedOnGarbageNeverCrashes) {
  std::mt19937_64 rng(99);
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string s(rng() % 30, '\0');
    for (char& c : s) {
      // Bias towards plausible bytes so that the decoder gets deep.
      const uint64_t r = rng();
      c = static_cast<char>(r % 4 == 0 ? (r >> 8) % 4 : (r % 4 == 1 ? (r >> 8) % 101 : r >> 8));
    }
    if (!s.empty() && rng() % 2) s[0] = static_cast<char>(1 + rng() % 3);
    std::string_view in = s;
    Number out;
    if (Number::ConsumeOrdered(&in, &out)) {
      ++accepted;
      // Whatever is accepted is canonical: it re-encodes to exactly the bytes consumed, and is a
      // valid number whose text parses back to it.
      const size_t used = s.size() - in.size();
      EXPECT_EQ(out.EncodeOrdered(), s.substr(0, used));
      Result<Number> again = Number::Parse(out.ToString());
      ASSERT_TRUE(again.ok()) << out.ToString();
      EXPECT_EQ(*again, out);
    } else {
      EXPECT_EQ(in.size(), s.size());
    }
  }
  EXPECT_GT(accepted, 0);
}

TEST(NumberTest, RandomArithmeticIsConsistent) {
  std::mt19937_64 rng(12345);
  int checked = 0;
  for (int i = 0; i < 5000; ++i) {
    Result<Number> a = Number::Parse(RandomNumberText(rng));
    Result<Number> b = Number::Parse(RandomNumberText(rng));
    if (!a.ok() || !b.ok()) continue;
    Result<Number> sum = a->Add(*b);
    Result<Number> sum2 = b->Add(*a);
    ASSERT_EQ(ResultError(sum), ResultError(sum2));
    Result<Number> diff = a->Subtract(*b);
    if (diff.ok()) {
      // a - b has the sign of Compare(a, b), and (a - b) + b == a when representable.
      EXPECT_EQ(Sign(diff->IsZero() ? 0 : (diff->IsNegative() ? -1 : 1)), Sign(a->Compare(*b)));
      Result<Number> back = diff->Add(*b);
      if (back.ok()) {
        EXPECT_EQ(*back, *a) << a->ToString() << " " << b->ToString();
        ++checked;
      }
    }
    if (sum.ok()) {
      Result<Number> back = sum->Subtract(*b);
      if (back.ok()) {
        EXPECT_EQ(*back, *a);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

}  // namespace
}  // namespace ddbd::model
