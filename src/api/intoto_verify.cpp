// api::verify_intoto: the layout parsed, intoto::verify with the command's reference time and the
// inspection runner of intoto.cpp (a file of its own: the runner and the loader link without the
// verifier pipeline).
#include "signy/api/intoto.hpp"

namespace signy::api {

Result<intoto::VerifySummary> verify_intoto(const Context& ctx, const InTotoCheck& check, const InTotoOptions& options) {
  auto layout = intoto::parse_layout(check.layout);
  if (!layout) return tl::unexpected(layout.error().context("in-toto: the layout"));
  intoto::VerifyOptions vo;
  vo.now = std::chrono::floor<std::chrono::seconds>(ctx.now);
  vo.parameters = options.parameters;
  vo.layout_threshold = check.layout_threshold;
  vo.run_inspection = inspection_runner(check.artifacts, options.limits);
  return intoto::verify(*layout, check.layout_keys, check.links, vo);
}

}  // namespace signy::api
