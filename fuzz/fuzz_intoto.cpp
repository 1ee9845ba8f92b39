// Fuzzes the in-toto model with hostile bytes: layouts and links (strict and dropping unknown
// members), the rules inside, parameter substitution and the format-string reader; an accepted
// document survives dump and re-parse with the same canonical bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "signy/intoto/metadata.hpp"

using namespace signy;
using namespace signy::intoto;

namespace {

template <class T>
void round_trip(const Metablock<T>& mb) {
  auto canonical = canonical_bytes(mb.signed_);
  auto text = dump(mb);
  if (!canonical || !text) std::abort();  // parsing refuses what cannot be encoded
  auto back = parse_metablock(*text);
  if (!back || !std::holds_alternative<Metablock<T>>(*back)) std::abort();
  const auto& again = std::get<Metablock<T>>(*back);
  if (canonical_bytes(again.signed_).value() != *canonical || dump(again).value() != *text) std::abort();
  if (again.signatures.size() != mb.signatures.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto unknown : {UnknownMembers::refuse, UnknownMembers::drop}) {
    ParseOptions opts;
    opts.unknown = unknown;
    auto mb = parse_metablock(text, opts);
    if (!mb) continue;
    if (auto* l = std::get_if<LayoutMetablock>(&*mb)) {
      round_trip(*l);
      if (format_expires(l->signed_.expires_at) != l->signed_.expires) std::abort();
      auto s = substitute_parameters(l->signed_, Parameters{{"A", "x"}, {"B", "{}"}, {"C", ""}});
      if (s && (s->steps.size() != l->signed_.steps.size() || s->keys.size() != l->signed_.keys.size())) std::abort();
    } else {
      round_trip(std::get<LinkMetablock>(*mb));
    }
  }
  (void)format_parameters(text, Parameters{{"A", "x"}, {"B", "\xc3\xa9"}});
  return 0;
}
