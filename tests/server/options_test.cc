#include "ddbd/options.h"

#include <gtest/gtest.h>

namespace ddbd {
namespace {

TEST(OptionsTest, DefaultsAreTheEmbeddedDefault) {
  ServerOptions options;
  auto action = ParseCommandLine({}, &options);
  ASSERT_TRUE(action.ok());
  EXPECT_EQ(*action, CommandLineAction::kRun);
  EXPECT_EQ(options.bind_address, "127.0.0.1");
  EXPECT_EQ(options.port, 8000);
  EXPECT_EQ(options.data_dir, "./ddbd-data");
  EXPECT_FALSE(options.in_memory);
}

TEST(OptionsTest, ParsesEveryFlag) {
  ServerOptions options;
  auto action = ParseCommandLine(
      {"--port", "0", "--bind=0.0.0.0", "--data-dir", "/x", "--in-memory", "--credentials", "c.ini",
       "--log-level", "warn", "--sync", "--threads", "3"},
      &options);
  ASSERT_TRUE(action.ok()) << action.status().ToString();
  EXPECT_EQ(options.port, 0);
  EXPECT_EQ(options.bind_address, "0.0.0.0");
  EXPECT_EQ(options.data_dir, "/x");
  EXPECT_TRUE(options.in_memory);
  EXPECT_EQ(options.credentials_file, "c.ini");
  EXPECT_EQ(options.log_level, "warn");
  EXPECT_TRUE(options.sync_writes);
  EXPECT_EQ(options.threads, 3);
}

TEST(OptionsTest, HelpAndVersion) {
  ServerOptions options;
  EXPECT_EQ(*ParseCommandLine({"--help"}, &options), CommandLineAction::kHelp);
  EXPECT_EQ(*ParseCommandLine({"--version"}, &options), CommandLineAction::kVersion);
}

TEST(OptionsTest, RejectsBadFlags) {
  ServerOptions options;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--port", "70000"}, {"--port", "x"}, {"--port"}, {"--nope"}, {"--threads", "0"}}) {
    auto action = ParseCommandLine(args, &options);
    EXPECT_FALSE(action.ok()) << args[0];
  }
  auto action = ParseCommandLine({"--nope"}, &options);
  EXPECT_NE(action.status().message().find("unknown flag: --nope"), std::string::npos);
}

}  // namespace
}  // namespace ddbd
