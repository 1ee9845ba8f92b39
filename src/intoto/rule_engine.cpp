#include "signy/intoto/rule_engine.hpp"

#include <algorithm>
#include <vector>

#include "signy/util/text.hpp"

namespace signy::intoto {
namespace {

// A decoded character: a Unicode code point, or 0x110000 + byte for a byte that is not valid
// UTF-8 (never equal to a code point).
std::vector<char32_t> decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
    bool good = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; good && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) good = false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (good && (cp > 0x10ffff || (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                 (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff)))
      good = false;
    if (!good) {
      out.push_back(0x110000 + b);
      ++i;
    } else {
      out.push_back(cp);
      i += len;
    }
  }
  return out;
}

struct Token {
  enum Kind { star, any, never, literal, set } kind = literal;
  char32_t c = 0;
  bool negate = false;
  std::vector<std::pair<char32_t, char32_t>> ranges;  // set: inclusive ranges (single chars lo==hi)

  static Token of(Kind k, char32_t ch = 0) {
    Token t;
    t.kind = k;
    t.c = ch;
    return t;
  }

  bool matches(char32_t x) const {
    switch (kind) {
      case any: return true;
      case never: return false;
      case literal: return x == c;
      case set: {
        bool in = false;
        for (const auto& [lo, hi] : ranges)
          if (x >= lo && x <= hi) in = true;
        return in != negate;
      }
      case star: return false;
    }
    return false;
  }
};

// One bracket expression pat[i, j) (j at the closing ']'), as Python 3.11 fnmatch.translate
// builds its regex class: the "stuff" string (each char flagged escaped or not), then the class
// as re reads it.
Token bracket(const std::vector<char32_t>& pat, std::size_t i, std::size_t j) {
  using Ch = std::pair<char32_t, bool>;  // char, escaped
  std::vector<Ch> stuff;
  bool has_dash = false;
  for (std::size_t k = i; k < j; ++k)
    if (pat[k] == U'-') has_dash = true;
  auto escape_chunk = [](const std::u32string& s, std::vector<Ch>& out) {
    for (char32_t c : s) out.emplace_back(c, c == U'\\' || c == U'-');
  };
  if (!has_dash) {
    for (std::size_t k = i; k < j; ++k) stuff.emplace_back(pat[k], pat[k] == U'\\');
  } else {
    // Split at the '-' that make ranges (searching from i+1, or i+2 after '!', then 3 past each
    // '-'), drop reversed ranges by merging their chunks, join with range dashes.
    std::vector<std::u32string> chunks;
    std::size_t k = pat[i] == U'!' ? i + 2 : i + 1;
    while (true) {
      std::size_t f = std::u32string::npos;
      for (std::size_t q = k; q < j; ++q)
        if (pat[q] == U'-') {
          f = q;
          break;
        }
      if (f == std::u32string::npos) break;
      chunks.emplace_back(pat.begin() + static_cast<std::ptrdiff_t>(i),
                          pat.begin() + static_cast<std::ptrdiff_t>(f));
      i = f + 1;
      k = f + 3;
    }
    std::u32string last(pat.begin() + static_cast<std::ptrdiff_t>(i),
                        pat.begin() + static_cast<std::ptrdiff_t>(j));
    if (!last.empty()) chunks.push_back(last);
    else chunks.back() += U'-';
    for (std::size_t m = chunks.size() - 1; m > 0; --m) {
      if (chunks[m - 1].back() > chunks[m].front()) {
        chunks[m - 1] = chunks[m - 1].substr(0, chunks[m - 1].size() - 1) + chunks[m].substr(1);
        chunks.erase(chunks.begin() + static_cast<std::ptrdiff_t>(m));
      }
    }
    for (std::size_t m = 0; m < chunks.size(); ++m) {
      if (m > 0) stuff.emplace_back(U'-', false);
      escape_chunk(chunks[m], stuff);
    }
  }
  Token t;
  if (stuff.empty()) {
    t.kind = Token::never;
    return t;
  }
  if (stuff.size() == 1 && stuff[0] == Ch{U'!', false}) {
    t.kind = Token::any;
    return t;
  }
  t.kind = Token::set;
  std::size_t k = 0;
  if (stuff[0] == Ch{U'!', false}) {
    t.negate = true;
    k = 1;
  }
  // re class syntax: a '-' between two members is a range, elsewhere a literal.
  while (k < stuff.size()) {
    const char32_t lo = stuff[k].first;
    if (k + 2 < stuff.size() && stuff[k + 1] == Ch{U'-', false}) {
      const char32_t hi = stuff[k + 2].first;
      if (lo <= hi) t.ranges.emplace_back(lo, hi);  // translate never leaves a reversed one
      k += 3;
    } else {
      t.ranges.emplace_back(lo, lo);
      ++k;
    }
  }
  return t;
}

std::vector<Token> compile(std::string_view pattern) {
  const auto pat = decode(pattern);
  std::vector<Token> out;
  const std::size_t n = pat.size();
  std::size_t i = 0;
  while (i < n) {
    const char32_t c = pat[i++];
    if (c == U'*') {
      if (out.empty() || out.back().kind != Token::star) out.push_back(Token::of(Token::star));
    } else if (c == U'?') {
      out.push_back(Token::of(Token::any));
    } else if (c == U'[') {
      std::size_t j = i;
      if (j < n && pat[j] == U'!') ++j;
      if (j < n && pat[j] == U']') ++j;
      while (j < n && pat[j] != U']') ++j;
      if (j >= n) {
        out.push_back(Token::of(Token::literal, U'['));
      } else {
        out.push_back(bracket(pat, i, j));
        i = j + 1;
      }
    } else {
      out.push_back(Token::of(Token::literal, c));
    }
  }
  return out;
}

char32_t at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }
char32_t at(const std::vector<char32_t>& s, std::size_t i) { return s[i]; }

// fnmatch pattern compiled once per rule.
class Glob {
 public:
  explicit Glob(std::string_view pattern) : tokens_(compile(pattern)) {}
  bool operator()(std::string_view name) const {
    // An ASCII name is its own code points: matched in place, with no decoded copy (a rule runs
    // over every queued path, 10,000 and more in a large chain).
    if (std::all_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
      return match(name);
    return match(decode(name));
  }

 private:
  template <class Seq>
  bool match(const Seq& s) const {
    // Single-character tokens: the classic star backtracking is exact and O(|s|*|p|).
    std::size_t p = 0, i = 0, star = std::string::npos, mark = 0;
    while (i < s.size()) {
      if (p < tokens_.size() && tokens_[p].kind == Token::star) {
        star = p++;
        mark = i;
      } else if (p < tokens_.size() && tokens_[p].matches(at(s, i))) {
        ++p;
        ++i;
      } else if (star != std::string::npos) {
        p = star + 1;
        i = ++mark;
      } else {
        return false;
      }
    }
    while (p < tokens_.size() && tokens_[p].kind == Token::star) ++p;
    return p == tokens_.size();
  }

  std::vector<Token> tokens_;
};

// Python os.path.join(prefix, rest) for a non-empty prefix, then .replace("\\", "/").
std::string join(std::string_view prefix, std::string_view rest) {
  std::string out;
  if (!rest.empty() && rest.front() == '/') out = rest;
  else if (prefix.back() == '/') out = std::string(prefix) + std::string(rest);
  else out = std::string(prefix) + "/" + std::string(rest);
  for (auto& c : out)
    if (c == '\\') c = '/';
  return out;
}

std::string shown(std::string_view s) {
  std::string cut(s.substr(0, 200));
  if (s.size() > 200) cut += "...";
  return "'" + escape_control(cut) + "'";
}

// The artifact queue: the item's own artifacts in sorted order, as pointers to the map's entries
// (the link outlives the check: no path is copied, each is still a std::string for the artifact
// maps' lookups, and its hashes are at hand). A rule's consumed artifacts leave together, in one
// pass with no tree node freed per artifact: those met in the queue by their position, the others
// (a MATCH's rebuilt source path) by name.
class Queue {
 public:
  using Entry = const ArtifactMap::value_type*;
  explicit Queue(const ArtifactMap& artifacts) {
    entries_.reserve(artifacts.size());
    for (const auto& e : artifacts) entries_.push_back(&e);  // sorted already
  }
  std::size_t size() const { return entries_.size(); }
  Entry operator[](std::size_t i) const { return entries_[i]; }
  bool contains(std::string_view path) const {
    auto it = lower_bound(path);
    return it != entries_.end() && (*it)->first == path;
  }
  // at: positions in the queue; by_name: paths, which may be queued or consumed already.
  void erase(const std::vector<std::size_t>& at, const std::vector<const std::string*>& by_name) {
    if (at.empty() && by_name.empty()) return;
    std::vector<bool> gone(entries_.size());
    for (std::size_t i : at) gone[i] = true;
    for (const std::string* c : by_name)
      if (auto it = lower_bound(*c); it != entries_.end() && (*it)->first == *c)
        gone[static_cast<std::size_t>(it - entries_.begin())] = true;
    std::size_t out = 0;
    for (std::size_t i = 0; i < entries_.size(); ++i)
      if (!gone[i]) entries_[out++] = entries_[i];
    entries_.resize(out);
  }

 private:
  std::vector<Entry>::const_iterator lower_bound(std::string_view path) const {
    return std::lower_bound(entries_.begin(), entries_.end(), path, [](Entry a, std::string_view b) { return a->first < b; });
  }
  std::vector<Entry> entries_;
};

// Lookups of increasing keys in one map: each starts where the one before ended and walks a few
// entries forward before it searches the tree. A MATCH with no prefixes looks the queue's paths up
// in the dest map in sorted order, and both maps usually hold the same paths: most lookups are one
// step instead of a dozen string comparisons down the tree.
class ForwardFinder {
 public:
  explicit ForwardFinder(const ArtifactMap& map) : map_(map), hint_(map.begin()) {}
  ArtifactMap::const_iterator find(const std::string& key) {
    // Every entry before hint_ is below the last key; if this key is not below that one, below it too.
    if (last_ && key < *last_) hint_ = map_.begin();
    last_ = &key;
    for (int step = 0; step < 4 && hint_ != map_.end() && hint_->first < key; ++step) ++hint_;
    if (hint_ != map_.end() && hint_->first < key) hint_ = map_.lower_bound(key);
    return hint_ != map_.end() && hint_->first == key ? hint_ : map_.end();
  }

 private:
  const ArtifactMap& map_;
  ArtifactMap::const_iterator hint_;
  const std::string* last_ = nullptr;
};

}  // namespace

bool fnmatch(std::string_view name, std::string_view pattern) { return Glob(pattern)(name); }

Status verify_item_rules(std::string_view source_name, ArtifactKind source_type,
                         std::span<const ArtifactRule> rules,
                         const std::map<std::string, Link>& links) {
  const std::string kind = source_type == ArtifactKind::materials ? "materials" : "products";
  const std::string item = "in-toto item " + shown(source_name) + " expected_" + kind;
  const auto src = links.find(std::string(source_name));
  if (src == links.end()) return fail(Errc::rule_failed, item + ": no link for this item");
  const ArtifactMap& materials = src->second.materials;
  const ArtifactMap& products = src->second.products;
  const ArtifactMap& artifacts = source_type == ArtifactKind::materials ? materials : products;

  Queue queue(artifacts);

  for (const auto& rule : rules) {
    const std::string where = item + " rule " + shown(rule_text(rule.words));
    const Glob glob(rule.pattern);
    std::vector<std::size_t> consumed;            // positions in the queue
    std::vector<const std::string*> consumed_by_name;  // a MATCH's rebuilt source paths met elsewhere
    switch (rule.type) {
      case RuleType::match: {
        // verifylib.verify_match_rule
        const auto dest = links.find(rule.dest_name);
        if (dest == links.end()) break;  // no dest link: nothing matches
        const ArtifactMap& dest_artifacts =
            rule.dest_type == ArtifactKind::materials ? dest->second.materials : dest->second.products;
        std::string norm_prefix;
        if (!rule.source_prefix.empty()) {
          norm_prefix = rule.source_prefix;
          if (norm_prefix.back() != '/') norm_prefix += '/';
          for (auto& c : norm_prefix)
            if (c == '\\') c = '/';
        }
        ForwardFinder in_dest(dest_artifacts);
        for (std::size_t i = 0; i < queue.size(); ++i) {
          const std::string& path = queue[i]->first;
          std::string_view rest = path;
          if (!rule.source_prefix.empty()) {
            if (!rest.starts_with(norm_prefix)) continue;
            rest.remove_prefix(norm_prefix.size());
          }
          if (!glob(rest)) continue;
          // With no source prefix the source path is the queued path itself: its entry is at hand.
          Queue::Entry s = queue[i];
          if (!rule.source_prefix.empty()) {
            const std::string full_source = join(rule.source_prefix, rest);
            const auto it = artifacts.find(full_source);
            if (it == artifacts.end())  // the reference's KeyError
              return fail(Errc::rule_failed, where + ": artifact " + shown(path) + " maps to " +
                                                 shown(full_source) + ", which is not an artifact of this item");
            s = &*it;
          }
          const auto d = !rule.dest_prefix.empty()   ? dest_artifacts.find(join(rule.dest_prefix, rest))
                         : rule.source_prefix.empty() ? in_dest.find(path)
                                                      : dest_artifacts.find(std::string(rest));
          if (d == dest_artifacts.end() || d->second != s->second) continue;
          if (s == queue[i]) consumed.push_back(i);
          else consumed_by_name.push_back(&s->first);
        }
        break;
      }
      case RuleType::create:
        for (std::size_t i = 0; i < queue.size(); ++i)
          if (const auto& path = queue[i]->first; glob(path) && products.contains(path) && !materials.contains(path))
            consumed.push_back(i);
        break;
      case RuleType::delete_:
        for (std::size_t i = 0; i < queue.size(); ++i)
          if (const auto& path = queue[i]->first; glob(path) && materials.contains(path) && !products.contains(path))
            consumed.push_back(i);
        break;
      case RuleType::modify:
        for (std::size_t i = 0; i < queue.size(); ++i) {
          const auto& path = queue[i]->first;
          if (!glob(path)) continue;
          const auto m = materials.find(path);
          const auto p = products.find(path);
          if (m != materials.end() && p != products.end() && m->second != p->second) consumed.push_back(i);
        }
        break;
      case RuleType::allow:
        for (std::size_t i = 0; i < queue.size(); ++i)
          if (glob(queue[i]->first)) consumed.push_back(i);
        break;
      case RuleType::disallow: {
        std::size_t count = 0;
        const std::string* first = nullptr;
        for (std::size_t i = 0; i < queue.size(); ++i)
          if (glob(queue[i]->first)) {
            if (!first) first = &queue[i]->first;
            ++count;
          }
        if (first)
          return fail(Errc::rule_failed, where + ": disallowed artifact " + shown(*first) +
                                             (count > 1 ? " (and " + std::to_string(count - 1) + " more)" : ""));
        break;
      }
      case RuleType::require:
        if (!queue.contains(std::string_view(rule.pattern)))
          return fail(Errc::rule_failed, where + ": required artifact " + shown(rule.pattern) +
                                             " is not in the queue (absent or consumed by an earlier rule)");
        break;
    }
    queue.erase(consumed, consumed_by_name);
  }
  return {};  // the implicit final ALLOW
}

}  // namespace signy::intoto
