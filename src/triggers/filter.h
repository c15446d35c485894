// Lambda event filtering (FilterCriteria) on stream records: the EventBridge-style patterns
// Lambda documents (docs/streams.md lists the operators ddbd knows).
//
// A pattern is a JSON object mirroring the record: an object value descends into the record's
// object of that name; an array value lists what the record's value may be (any one matching):
// literals (strings, numbers, true/false/null) and the operators {"prefix"}, {"suffix"},
// {"equals-ignore-case"}, {"wildcard"}, {"anything-but"}, {"numeric"} and {"exists"}. Numeric
// matching also takes a number written as a string (a DynamoDB "N" value). A record is kept if
// any of the mapping's patterns matches it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ddbd/status.h"

namespace ddbd::triggers {

class FilterSet {
 public:
  // Parses the patterns. InvalidParameterValue-style error text (Status::Validation) if one is
  // not a pattern.
  static Result<std::unique_ptr<FilterSet>> Parse(const std::vector<std::string>& patterns);
  ~FilterSet();

  // True if there are no patterns or one matches the record (a JSON object, as text).
  bool Matches(std::string_view record_json) const;

 private:
  struct Rep;
  explicit FilterSet(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace ddbd::triggers
