// Helpers shared by the unit tests.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "ddbd/status.h"

#include "model/attribute_value.h"

namespace ddbd::testutil {

inline model::AttributeValue S(std::string s) {
  return model::AttributeValue::String(std::move(s));
}
inline model::AttributeValue B(std::string s) {
  return model::AttributeValue::Binary(std::move(s));
}
inline model::AttributeValue N(std::string_view text) {
  Result<model::Number> r = model::Number::Parse(text);
  EXPECT_TRUE(r.ok()) << text;
  return model::AttributeValue::Num(r.ok() ? *r : model::Number());
}

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/ddbd_test_XXXXXX";
    char* made = mkdtemp(pattern);
    EXPECT_NE(made, nullptr);
    path_ = made ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ddbd::testutil
