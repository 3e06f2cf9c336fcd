// UniqueIdIndex: which accounts hold an id, counted entries, copies that
// share buckets, and a random model check against a std::multiset.
#include "engine/model/unique_id_index.h"

#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace pdp {
namespace {

UniqueIdIndex::Entry E(const std::string& id, const std::string& account) {
  std::optional<UniqueIdIndex::Entry> e = UniqueIdIndex::EntryFor(id, account);
  EXPECT_TRUE(e.has_value()) << account;
  return e.value_or(UniqueIdIndex::Entry{});
}

// Every account the index names for `id`, in the order visited.
std::vector<std::string> Accounts(const UniqueIdIndex& index, const std::string& id) {
  std::vector<std::string> out;
  index.AnyAccount(id, [&](absl::string_view account) {
    out.emplace_back(account);
    return false;
  });
  return out;
}

TEST(UniqueIdIndexTest, EmptyIndexNamesNoAccount) {
  UniqueIdIndex index;
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(Accounts(index, "AIDAJQABLZS4A3QDU576Q").empty());
  index.Update({}, {E("AIDAJQABLZS4A3QDU576Q", "111111111111")});  // not there: ignored
  EXPECT_EQ(index.size(), 0u);
}

TEST(UniqueIdIndexTest, AccountIdsMustBeTwelveDigits) {
  EXPECT_TRUE(UniqueIdIndex::EntryFor("AIDAX", "000000000042").has_value());
  EXPECT_FALSE(UniqueIdIndex::EntryFor("AIDAX", "42").has_value());
  EXPECT_FALSE(UniqueIdIndex::EntryFor("AIDAX", "1111111111111").has_value());
  EXPECT_FALSE(UniqueIdIndex::EntryFor("AIDAX", "11111111111a").has_value());
  EXPECT_FALSE(UniqueIdIndex::EntryFor("AIDAX", "").has_value());
}

TEST(UniqueIdIndexTest, NamesTheAccountsHoldingAnIdWithTheirLeadingZeros) {
  UniqueIdIndex index;
  index.Update({E("AIDAONE", "000000000042"), E("AIDATWO", "999999999999")}, {});
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(Accounts(index, "AIDAONE"), std::vector<std::string>{"000000000042"});
  EXPECT_EQ(Accounts(index, "AIDATWO"), std::vector<std::string>{"999999999999"});
  EXPECT_TRUE(Accounts(index, "AIDATHREE").empty());
}

TEST(UniqueIdIndexTest, VisitingStopsWhenTheCallerSaysSo) {
  UniqueIdIndex index;
  index.Update({E("AIDAONE", "111111111111"), E("AIDAONE", "222222222222")}, {});
  EXPECT_EQ(Accounts(index, "AIDAONE").size(), 2u);
  int visits = 0;
  EXPECT_TRUE(index.AnyAccount("AIDAONE", [&](absl::string_view) { return ++visits == 1; }));
  EXPECT_EQ(visits, 1);
  EXPECT_FALSE(index.AnyAccount("AIDAONE", [&](absl::string_view) { return false; }));
}

TEST(UniqueIdIndexTest, EntriesAreCountedAndAnAccountIsNamedOnce) {
  UniqueIdIndex index;
  const UniqueIdIndex::Entry e = E("AIDAONE", "111111111111");
  index.Update({e, e}, {});
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(Accounts(index, "AIDAONE"), std::vector<std::string>{"111111111111"});
  index.Update({}, {e});
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(Accounts(index, "AIDAONE"), std::vector<std::string>{"111111111111"});
  index.Update({}, {e});
  EXPECT_TRUE(Accounts(index, "AIDAONE").empty());
  // Removed, then added, in one update: the id moves.
  index.Update({E("AIDAONE", "222222222222")}, {});
  index.Update({E("AIDAONE", "333333333333")}, {E("AIDAONE", "222222222222")});
  EXPECT_EQ(Accounts(index, "AIDAONE"), std::vector<std::string>{"333333333333"});
}

TEST(UniqueIdIndexTest, ACopyIsNotChangedByUpdatesToTheOther) {
  UniqueIdIndex original;
  std::vector<UniqueIdIndex::Entry> many;
  for (int i = 0; i < 5000; ++i) many.push_back(E(absl::StrFormat("AIDA%05d", i), "111111111111"));
  original.Update(many, {});
  UniqueIdIndex copy = original;
  copy.Update({E("AIDANEW", "222222222222")}, {E("AIDA00007", "111111111111")});
  EXPECT_EQ(original.size(), 5000u);
  EXPECT_EQ(copy.size(), 5000u);
  EXPECT_EQ(Accounts(original, "AIDA00007").size(), 1u);
  EXPECT_TRUE(Accounts(copy, "AIDA00007").empty());
  EXPECT_TRUE(Accounts(original, "AIDANEW").empty());
  EXPECT_EQ(Accounts(copy, "AIDANEW").size(), 1u);
  for (int i = 0; i < 5000; i += 97) {
    const std::string id = absl::StrFormat("AIDA%05d", i);
    EXPECT_EQ(Accounts(original, id).size(), 1u) << id;
  }
}

// The index's model: a multiset of (id number, account number) pairs.
struct Model {
  std::function<std::string(int)> id, account;
  int ids, accounts;
  std::multiset<std::pair<int, int>> pairs;

  // Takes `removes` random entries out of `index` and of the model (one
  // each where there is one; some are not there), then puts `adds` in.
  void RandomUpdate(std::mt19937& rng, int adds, int removes, UniqueIdIndex& index) {
    std::uniform_int_distribution<int> id_of(0, ids - 1), account_of(0, accounts - 1);
    std::vector<UniqueIdIndex::Entry> added, removed;
    std::vector<std::pair<int, int>> add_pairs, remove_pairs;
    for (int n = 0; n < removes; ++n) {
      const int i = id_of(rng), a = account_of(rng);
      removed.push_back(E(id(i), account(a)));
      remove_pairs.emplace_back(i, a);
    }
    for (int n = 0; n < adds; ++n) {
      const int i = id_of(rng), a = account_of(rng);
      added.push_back(E(id(i), account(a)));
      add_pairs.emplace_back(i, a);
    }
    for (const auto& p : remove_pairs) {
      if (auto it = pairs.find(p); it != pairs.end()) pairs.erase(it);
    }
    pairs.insert(add_pairs.begin(), add_pairs.end());
    index.Update(added, removed);
  }

  // The accounts holding id number `i`.
  std::set<std::string> Holders(int i) const {
    std::set<std::string> out;
    for (int a = 0; a < accounts; ++a) {
      if (pairs.count({i, a}) > 0) out.insert(account(a));
    }
    return out;
  }
};

// Random updates (batches of adds and removes, some of entries not there)
// against the model.
TEST(UniqueIdIndexTest, AgreesWithAMultisetOverRandomUpdates) {
  std::mt19937 rng(20261206);
  std::uniform_int_distribution<int> size_of(0, 400);
  Model model{[](int i) { return absl::StrFormat("AROA%d", i); },
              [](int a) { return absl::StrFormat("%012d", a * 7919); }, 3000, 20};
  UniqueIdIndex index;
  std::vector<UniqueIdIndex> history;
  for (int round = 0; round < 60; ++round) {
    history.push_back(index);
    const int removes = size_of(rng);
    model.RandomUpdate(rng, size_of(rng), removes, index);
    ASSERT_EQ(index.size(), model.pairs.size()) << "round " << round;
  }
  for (int i = 0; i < model.ids; ++i) {
    const std::set<std::string> expected = model.Holders(i);
    const std::vector<std::string> got = Accounts(index, model.id(i));
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected) << model.id(i);
    EXPECT_EQ(got.size(), expected.size()) << model.id(i);  // each account once
  }
  // Earlier copies kept their sizes.
  EXPECT_EQ(history.front().size(), 0u);
}

// Updates as large as a checkpoint's load (tens of thousands of entries at
// once) against the same model: adds, then removes and adds together, then
// removes of entries some of which are not there.
TEST(UniqueIdIndexTest, LargeUpdatesAgreeWithAMultiset) {
  std::mt19937 rng(1206);
  Model model{[](int i) { return absl::StrFormat("AIDA%07d", i); },
              [](int a) { return absl::StrFormat("%012d", a * 104729); }, 90000, 7};
  UniqueIdIndex index;
  const std::vector<std::pair<int, int>> updates = {{60000, 0}, {45000, 40000}, {0, 50000}};
  for (const auto& [adds, removes] : updates) {
    model.RandomUpdate(rng, adds, removes, index);
    ASSERT_EQ(index.size(), model.pairs.size()) << adds << " added, " << removes << " removed";
    for (int i = 0; i < model.ids; i += 7) {
      const std::vector<std::string> got = Accounts(index, model.id(i));
      ASSERT_EQ(std::set<std::string>(got.begin(), got.end()), model.Holders(i)) << model.id(i);
    }
  }
}

}  // namespace
}  // namespace pdp
