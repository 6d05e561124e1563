// KeyIndex: lookups, inserts and backward-shift erases against a std::map model.
#include "statestores/key_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <string_view>

namespace kstreams::internal {
namespace {

using Nodes = std::map<std::string, int, std::less<>>;
struct KeyOf {
  std::string_view operator()(Nodes::iterator it) const { return it->first; }
};
using Index = KeyIndex<Nodes::iterator, KeyOf>;

void expectSame(const Index& index, const Nodes& nodes, int universe) {
  ASSERT_EQ(index.size(), nodes.size());
  for (int k = 0; k < universe; ++k) {
    const std::string key = "key-" + std::to_string(k);
    const auto* found = index.find(key);
    const auto it = nodes.find(key);
    if (it == nodes.end()) {
      ASSERT_EQ(found, nullptr) << key;
    } else {
      ASSERT_NE(found, nullptr) << key;
      ASSERT_EQ((*found)->second, it->second) << key;
    }
  }
}

TEST(KeyIndexTest, EmptyIndexFindsAndErasesNothing) {
  Index index;
  EXPECT_EQ(index.find("a"), nullptr);
  EXPECT_FALSE(index.erase("a"));
  EXPECT_EQ(index.size(), 0U);
}

TEST(KeyIndexTest, FindsEveryInsertedKeyThroughGrowthAndNoOther) {
  Nodes nodes;
  Index index;
  for (int k = 0; k < 5000; k += 2) index.insert(nodes.emplace("key-" + std::to_string(k), k).first);
  expectSame(index, nodes, 5001);
  EXPECT_EQ(index.find(""), nullptr);
  EXPECT_EQ(index.find("key-1"), nullptr);
}

TEST(KeyIndexTest, RandomInsertsAndErasesMatchAnOrderedMap) {
  // A small universe keeps probe runs long and makes erases shift often.
  constexpr int kUniverse = 300;
  std::mt19937 random(42);
  Nodes nodes;
  Index index;
  for (int step = 0; step < 20000; ++step) {
    const int k = static_cast<int>(random() % kUniverse);
    const std::string key = "key-" + std::to_string(k);
    const auto it = nodes.find(key);
    if (random() % 3 == 0) {
      EXPECT_EQ(index.erase(key), it != nodes.end());
      if (it != nodes.end()) nodes.erase(it);
    } else if (it == nodes.end()) {
      index.insert(nodes.emplace(key, step).first);
    }
    if (step % 1000 == 0) expectSame(index, nodes, kUniverse);
  }
  expectSame(index, nodes, kUniverse);
  while (!nodes.empty()) {
    EXPECT_TRUE(index.erase(nodes.begin()->first));
    nodes.erase(nodes.begin());
  }
  expectSame(index, nodes, kUniverse);
}

TEST(KeyIndexTest, ClearEmptiesItAndItFillsAgain) {
  Nodes nodes;
  Index index;
  for (int k = 0; k < 100; ++k) index.insert(nodes.emplace("key-" + std::to_string(k), k).first);
  index.clear();
  EXPECT_EQ(index.size(), 0U);
  EXPECT_EQ(index.find("key-5"), nullptr);
  index.insert(nodes.find("key-5"));
  ASSERT_NE(index.find("key-5"), nullptr);
  EXPECT_EQ((*index.find("key-5"))->second, 5);
}

}  // namespace
}  // namespace kstreams::internal
