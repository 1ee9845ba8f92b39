// Strict JSON parsing over nlohmann's SAX interface: the DOM is built here so that duplicate
// keys and nesting depth can be refused while parsing (nlohmann's DOM parser lets the last
// duplicate win, which would let two readers see two different documents).
#include <vector>

#include "signy/cjson/cjson.hpp"

namespace signy::cjson {
namespace {

class StrictSax : public nlohmann::json_sax<Json> {
 public:
  explicit StrictSax(std::size_t max_depth) : max_depth_(max_depth) {}

  bool null() override { return put(Json(nullptr)); }
  bool boolean(bool v) override { return put(Json(v)); }
  bool number_integer(number_integer_t v) override { return put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return put(Json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return put(Json(v)); }
  bool string(string_t& v) override { return put(Json(std::move(v))); }
  bool binary(binary_t&) override { return fail_with(Errc::malformed_json, "binary values are not JSON"); }

  bool start_object(std::size_t) override { return open(Json::object()); }
  bool key(string_t& k) override {
    Json& obj = *stack_.back();
    if (obj.contains(k)) return fail_with(Errc::duplicate_key, "duplicate object key \"" + printable(k) + "\"");
    pending_key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return open(Json::array()); }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    if (!error_) {
      std::string what = ex.what();
      // nlohmann messages look like "[json.exception.parse_error.101] parse error at line 1, ...".
      if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
      error_ = Error{Errc::malformed_json, what + " (byte " + std::to_string(position) + ")"};
    }
    return false;
  }

  Json root;
  std::optional<Error> error_;

 private:
  static std::string printable(const std::string& s) {
    std::string out;
    for (char c : s.substr(0, 64)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    return out;
  }
  bool fail_with(Errc code, std::string msg) {
    if (!error_) error_ = Error{code, std::move(msg)};
    return false;
  }
  bool put(Json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return true;
    }
    Json& top = *stack_.back();
    if (top.is_object()) {
      top[pending_key_] = std::move(v);
    } else {
      top.push_back(std::move(v));
    }
    return true;
  }
  bool open(Json v) {
    if (stack_.size() >= max_depth_)
      return fail_with(Errc::too_deep, "nesting deeper than " + std::to_string(max_depth_) + " levels");
    Json* slot;
    if (stack_.empty()) {
      root = std::move(v);
      slot = &root;
    } else {
      Json& top = *stack_.back();
      if (top.is_object()) {
        slot = &(top[pending_key_] = std::move(v));
      } else {
        top.push_back(std::move(v));
        slot = &top.back();
      }
    }
    stack_.push_back(slot);
    return true;
  }

  std::size_t max_depth_;
  std::vector<Json*> stack_;
  std::string pending_key_;
};

}  // namespace

Result<Json> parse_strict(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes)
    return fail(Errc::too_large, "JSON document of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                                     std::to_string(limits.max_bytes));
  StrictSax sax(limits.max_depth);
  bool ok = Json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json, true);
  if (!ok || sax.error_) {
    if (sax.error_) return tl::unexpected(*sax.error_);
    return fail(Errc::malformed_json, "invalid JSON");
  }
  return std::move(sax.root);
}

}  // namespace signy::cjson
