#include "engine/model/shared_map.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace pdp {
namespace {

std::vector<std::pair<std::string, int>> Contents(const SharedMap<int>& m) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& [k, v] : m) out.emplace_back(k, v);
  return out;
}

std::vector<std::pair<std::string, int>> Contents(const std::map<std::string, int>& m) {
  return {m.begin(), m.end()};
}

TEST(SharedMapTest, EmptyMap) {
  SharedMap<int> m;
  EXPECT_TRUE(m.empty());
  EXPECT_TRUE(m.begin() == m.end());
  EXPECT_TRUE(m.find("a") == m.end());
  EXPECT_TRUE(m.upper_bound("a") == m.end());
  EXPECT_FALSE(m.Erase("a"));
}

// Random inserts, replacements and erasures across many chunks agree with
// std::map, including find and upper_bound at and between keys.
TEST(SharedMapTest, AgreesWithStdMap) {
  std::mt19937 rng(7);
  SharedMap<int> m;
  std::map<std::string, int> ref;
  for (int step = 0; step < 20000; ++step) {
    std::string key = absl::StrFormat("%06d", static_cast<int>(rng() % 5000));
    if (rng() % 4 == 0) {
      EXPECT_EQ(m.Erase(key), ref.erase(key) == 1);
    } else {
      m.Set(key, step);
      ref[key] = step;
    }
  }
  ASSERT_EQ(m.size(), ref.size());
  EXPECT_EQ(Contents(m), Contents(ref));
  for (int probe = 0; probe < 5000; probe += 7) {
    for (std::string key : {absl::StrFormat("%06d", probe), absl::StrFormat("%06d!", probe)}) {
      auto it = m.find(key);
      auto rit = ref.find(key);
      ASSERT_EQ(it == m.end(), rit == ref.end()) << key;
      if (rit != ref.end()) {
        EXPECT_EQ(it->second, rit->second);
      }
      auto ub = m.upper_bound(key);
      auto rub = ref.upper_bound(key);
      ASSERT_EQ(ub == m.end(), rub == ref.end()) << key;
      if (rub != ref.end()) {
        EXPECT_EQ(ub->first, rub->first) << key;
      }
    }
  }
  EXPECT_TRUE(m.upper_bound("") != m.end());
  EXPECT_EQ(m.upper_bound("")->first, ref.begin()->first);
}

// Writing to a copy never shows through the original, nor the other way.
TEST(SharedMapTest, CopiesAreIndependent) {
  SharedMap<int> original;
  std::map<std::string, int> ref;
  for (int i = 0; i < 3000; ++i) {
    original.Set(absl::StrFormat("%05d", i), i);
    ref[absl::StrFormat("%05d", i)] = i;
  }
  SharedMap<int> copy = original;
  copy.Set("00010", -1);
  copy.Erase("02000");
  copy.Set("99999", 5);
  EXPECT_EQ(Contents(original), Contents(ref));
  original.Set("00011", -2);  // the original may be written after copying too
  EXPECT_EQ(copy.find("00011")->second, 11);
  EXPECT_EQ(copy.find("00010")->second, -1);
  EXPECT_TRUE(copy.find("02000") == copy.end());
  EXPECT_EQ(copy.size(), 3000u);
  SharedMap<int> third;
  third = copy;
  third.Set("00010", 10);
  EXPECT_EQ(copy.find("00010")->second, -1);
}

}  // namespace
}  // namespace pdp
