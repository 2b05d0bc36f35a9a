// The status line's modes: plain (one line per update, for logs), line (redrawn in place), off.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/progress.hpp"

namespace cosmicai::cosmic {
namespace {

using namespace std::chrono_literals;

// What a Progress wrote to a temporary file.
std::string written(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      lines.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  EXPECT_EQ(start, text.size()) << "the output ends in the middle of a line: " << text;
  return lines;
}

TEST(ProgressModes, ParseProgressMode) {
  EXPECT_EQ(parse_progress_mode("auto", true), ProgressMode::kLine);
  EXPECT_EQ(parse_progress_mode("auto", false), ProgressMode::kOff);
  EXPECT_EQ(parse_progress_mode("line", false), ProgressMode::kLine);
  EXPECT_EQ(parse_progress_mode("plain", true), ProgressMode::kPlain);
  EXPECT_EQ(parse_progress_mode("off", true), ProgressMode::kOff);
  EXPECT_FALSE(parse_progress_mode("PLAIN", true).has_value());
  EXPECT_FALSE(parse_progress_mode("", true).has_value());
}

TEST(ProgressModes, PlainWritesOneLinePerChangeAndTheFinalCounts) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p(ProgressMode::kPlain, f, 20ms);
    p.expect_ranks(3);
    std::this_thread::sleep_for(100ms);  // several intervals without a change: one line only
    p.add_samples(64);
    p.rank_done(true);
    std::this_thread::sleep_for(100ms);
    p.add_samples(64);
    p.rank_done(true);
    p.rank_done(false);
    p.stop();
    p.stop();  // idempotent: no second final line
  }
  const std::string out = written(f);
  std::fclose(f);
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_EQ(out.find('\033'), std::string::npos) << out;
  const auto lines = lines_of(out);
  ASSERT_GE(lines.size(), 3u) << out;
  EXPECT_TRUE(lines.front().starts_with("ranks 0/3 · 0 samples/s")) << lines.front();
  EXPECT_TRUE(lines[1].starts_with("ranks 1/3 · ")) << lines[1];
  EXPECT_NE(lines[1].find("ETA"), std::string::npos) << lines[1];
  EXPECT_TRUE(lines.back().starts_with("ranks 3/3 (1 failed) · ")) << lines.back();
  EXPECT_EQ(lines.back().find("ETA"), std::string::npos) << lines.back();
  // Lines only when the counts changed: 0/3, 1/3, then the final 3/3 (2/3 may or may not show).
  EXPECT_LE(lines.size(), 4u) << out;
}

TEST(ProgressModes, LineRedrawsInPlaceAndErasesItself) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p(ProgressMode::kLine, f, 20ms);
    p.expect_ranks(2);
    std::this_thread::sleep_for(60ms);
    p.rank_done(true);
    p.stop();
  }
  const std::string out = written(f);
  std::fclose(f);
  EXPECT_TRUE(out.starts_with("\r\033[Kranks 0/2")) << out;
  EXPECT_TRUE(out.ends_with("\r\033[K")) << out;
  EXPECT_EQ(out.find('\n'), std::string::npos) << out;
}

TEST(ProgressModes, OffWritesNothing) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p(ProgressMode::kOff, f, 1ms);
    p.expect_ranks(2);
    p.rank_done(true);
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(p.ranks_done(), 1);
  }
  EXPECT_EQ(written(f), "");
  std::fclose(f);
}

}  // namespace
}  // namespace cosmicai::cosmic
