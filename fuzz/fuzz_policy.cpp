// Fuzzes the policy file reader (policy::parse) and scope selection (policy::select) with hostile
// bytes: the input as a policy document, and as a GUN against a fixed document and the default.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signy/policy/policy.hpp"

using namespace signy;
using namespace signy::policy;

namespace {
bool owned(const Document& doc, const Policy* p) {
  for (const auto& q : doc.policies)
    if (&q == p) return true;
  return false;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto doc = parse(text)) {
    if (doc->version != "1.0" || doc->policies.empty() || doc->policies.size() > kMaxPolicies) std::abort();
    for (const auto& p : doc->policies) {
      if (p.scopes.empty() || p.name.empty()) std::abort();
      for (const auto& scope : p.scopes) {
        if (scope == "*") {
          if (p.level == Level::skip || p.scopes.size() != 1) std::abort();
          continue;
        }
        // An exact scope selects its own policy; "H/P/*" selects its policy for "H/P/x" unless
        // "H/P/x" is some policy's exact scope.
        bool prefix = scope.size() > 2 && scope.ends_with("/*");
        std::string gun = prefix ? scope.substr(0, scope.size() - 1) + "x" : scope;
        if (gun.size() > 255) continue;  // longer than a name may be: refused, rightly
        auto s = select(*doc, gun);
        if (!s || !owned(*doc, s->policy)) std::abort();
        if (!prefix && (s->policy != &p || s->why.find("(exact)") == std::string::npos)) std::abort();
        if (prefix && s->policy != &p && s->why.find("(exact)") == std::string::npos) std::abort();
      }
    }
  }
  // The input as a GUN: a selection only for names in the reference grammar.
  auto fixed = parse(R"({"version": "1.0", "policies": [
      {"name": "a", "scopes": ["localhost:5000/team/app"], "signatureVerification": {"level": "strict"}},
      {"name": "b", "scopes": ["localhost:5000/team/*", "example.com/*"], "signatureVerification": {"level": "skip"}},
      {"name": "c", "scopes": ["*"], "signatureVerification": {"level": "audit"}}]})");
  if (!fixed) std::abort();
  for (const Document* d : {&*fixed}) {
    auto s = select(*d, text);
    if (s) {
      if (!owned(*d, s->policy) || text.find("..") != std::string_view::npos || text.find("//") != std::string_view::npos ||
          text.find('*') != std::string_view::npos)
        std::abort();
      for (char c : text)
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) >= 0x7f) std::abort();
    }
  }
  auto def = default_document();
  auto s = select(def, text);
  if (s && s->policy != &def.policies[0]) std::abort();
  return 0;
}
