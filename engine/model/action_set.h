// A set of catalogue actions as bits: the page catalogue numbers every
// distinct action it names (CatalogAction::id), so "does this principal's
// policy set allow every action this page needs" becomes a few word
// operations (principal_digest.h). A plain value; no allocation.
#ifndef PDP_ENGINE_MODEL_ACTION_SET_H_
#define PDP_ENGINE_MODEL_ACTION_SET_H_

#include <array>
#include <cstddef>
#include <cstdint>

namespace pdp {

class ActionSet {
 public:
  // The most actions a catalogue may number; a larger catalogue numbers none
  // and every decision evaluates statements.
  static constexpr size_t kCapacity = 256;

  void Add(size_t id) { words_[id / 64] |= uint64_t{1} << (id % 64); }
  // Whether the two sets share an action.
  bool Intersects(const ActionSet& o) const {
    return ((words_[0] & o.words_[0]) | (words_[1] & o.words_[1]) | (words_[2] & o.words_[2]) |
            (words_[3] & o.words_[3])) != 0;
  }
  // Whether every action of this set is in `o`.
  bool SubsetOf(const ActionSet& o) const {
    return ((words_[0] & ~o.words_[0]) | (words_[1] & ~o.words_[1]) | (words_[2] & ~o.words_[2]) |
            (words_[3] & ~o.words_[3])) == 0;
  }
  ActionSet& operator|=(const ActionSet& o) {
    for (size_t i = 0; i < words_.size(); ++i) words_[i] |= o.words_[i];
    return *this;
  }
  friend ActionSet operator|(ActionSet a, const ActionSet& b) { return a |= b; }
  friend ActionSet operator&(ActionSet a, const ActionSet& b) {
    for (size_t i = 0; i < a.words_.size(); ++i) a.words_[i] &= b.words_[i];
    return a;
  }
  friend ActionSet operator-(ActionSet a, const ActionSet& b) {  // a without b
    for (size_t i = 0; i < a.words_.size(); ++i) a.words_[i] &= ~b.words_[i];
    return a;
  }
  static ActionSet All() {
    ActionSet s;
    s.words_.fill(~uint64_t{0});
    return s;
  }
  bool operator==(const ActionSet&) const = default;

 private:
  std::array<uint64_t, kCapacity / 64> words_{};
};

}  // namespace pdp

#endif  // PDP_ENGINE_MODEL_ACTION_SET_H_
