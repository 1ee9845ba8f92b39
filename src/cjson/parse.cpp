// Strict JSON parsing over nlohmann's SAX interface: the DOM is built here so that duplicate
// keys and nesting depth can be refused while parsing (nlohmann's DOM parser lets the last
// duplicate win, which would let two readers see two different documents).
//
// The streaming variant (parse_strict_stream) serves large TUF metadata: it writes the docker/go
// canonical bytes of one value while parsing, and hands the members of one object to a callback
// instead of keeping them, so a 10,000-target file never exists as a whole DOM.
#include <optional>
#include <vector>

#include "signy/cjson/cjson.hpp"

namespace signy::cjson {
namespace {

class StrictSax : public nlohmann::json_sax<Json> {
 public:
  StrictSax(std::size_t max_depth, StreamOptions* stream) : max_depth_(max_depth), stream_(stream) {}

  bool null() override {
    if (sunk()) return sunk_scalar("null", [&](std::size_t d) { sink()->other(d); });
    return scalar(Json(nullptr), "null");
  }
  bool boolean(bool v) override {
    if (sunk()) return sunk_scalar(v ? "true" : "false", [&](std::size_t d) { sink()->other(d); });
    return scalar(Json(v), v ? "true" : "false");
  }
  bool number_integer(number_integer_t v) override {
    if (sunk()) return sunk_scalar(std::to_string(v), [&](std::size_t d) { sink()->integer(d, v, false); });
    return scalar(Json(v), std::to_string(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    // Above int64, docker/go refuses the value: the DOM path reports it.
    if (emitting() && v > static_cast<number_unsigned_t>(INT64_MAX)) return not_canonical();
    if (sunk())
      return sunk_scalar(std::to_string(v), [&](std::size_t d) { sink()->integer(d, static_cast<std::int64_t>(v), true); });
    return scalar(Json(v), std::to_string(v));
  }
  bool number_float(number_float_t v, const string_t&) override {
    if (emitting()) return not_canonical();  // integral floats and errors: the DOM path decides
    return put(Json(v));
  }
  bool string(string_t& v) override {
    if (emitting()) {
      value_prefix();
      append_notary_string(*canonical_, v);
    }
    if (sunk()) {
      sink()->string(frames_.back().sink_depth, std::move(v));
      return true;
    }
    return put(Json(std::move(v)));
  }
  bool binary(binary_t&) override { return fail_with(Errc::malformed_json, "binary values are not JSON"); }

  bool start_object(std::size_t) override { return open(Json::object(), '{'); }
  // Hands full pieces of canonical bytes to the sink (called between events).
  void flush(bool all) {
    if (!stream_ || !stream_->canonical_sink || !canonical_) return;
    if (all ? canonical_->empty() : canonical_->size() < kSinkPiece) return;
    stream_->canonical_sink(*canonical_);
    canonical_->clear();
  }
  static constexpr std::size_t kSinkPiece = 64u << 10;
  bool key(string_t& k) override {
    Frame& f = frames_.back();
    if (f.deciding) {  // a member object's first key: its events or a DOM
      f.deciding = false;
      if (sink()->accept(k)) f.sink_depth = 1;
    }
    if (emitting()) {
      // Canonical bytes can be written on the fly only when keys come in sorted order (as every
      // Go-written file has them); otherwise the caller falls back to the DOM path.
      if (!f.first && !(f.last_key < k)) return not_canonical();
      if (!f.first) *canonical_ += ',';
      f.first = false;
      append_notary_string(*canonical_, k);
      *canonical_ += ':';
      f.last_key = k;
    }
    // Members handed to the callback are not in the DOM: sorted order (checked above) rules out
    // duplicates among them.
    if (f.sink_depth) {
      sink()->key(f.sink_depth, k);
      return true;
    }
    if (!f.collecting && f.slot->contains(k))
      return fail_with(Errc::duplicate_key, "duplicate object key \"" + printable(k) + "\"");
    pending_key_ = std::move(k);
    return true;
  }
  bool end_object() override { return close('}'); }
  bool start_array(std::size_t) override { return open(Json::array(), '['); }
  bool end_array() override { return close(']'); }

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
  bool canonical_done = false;

 private:
  static constexpr std::size_t kOff = static_cast<std::size_t>(-1);
  struct Frame {
    Json* slot = nullptr;
    std::size_t on_path = kOff;  // depth on the stream path (root 0), kOff when off it
    bool emit = false;           // inside the value whose canonical bytes are written
    bool emit_root = false;      // ... and is that value
    bool collecting = false;     // its members go to the callback
    bool handover = false;       // it is a member of the collected object
    bool first = true;
    bool array = false;
    bool deciding = false;      // a member object before its first key (MemberSink::accept)
    std::size_t sink_depth = 0;  // > 0: inside a member whose events go to the sink
    std::string last_key;
    std::string member_key;  // for handover: its key in the collected object
  };

  static std::string printable(const std::string& s) {
    std::string out;
    for (char c : s.substr(0, 64)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    return out;
  }
  bool fail_with(Errc code, std::string msg) {
    if (!error_) error_ = Error{code, std::move(msg)};
    return false;
  }
  bool not_canonical() { return fail_with(Errc::not_canonical, "not in canonical key order"); }
  bool emitting() const { return !frames_.empty() && frames_.back().emit; }
  MemberSink* sink() const { return stream_ ? stream_->member_sink : nullptr; }
  // Inside a member whose events go to the sink (sorted order, checked while emitting, rules out
  // duplicate keys there).
  bool sunk() const { return !frames_.empty() && frames_.back().sink_depth != 0; }
  template <class F>
  bool sunk_scalar(const std::string& text, const F& forward) {
    if (emitting()) {
      value_prefix();
      *canonical_ += text;
    }
    forward(frames_.back().sink_depth);
    return true;
  }

  // The separator before a value in an array (object members got theirs in key()).
  void value_prefix() {
    Frame& f = frames_.back();
    if (f.array) {
      if (!f.first) *canonical_ += ',';
      f.first = false;
    }
  }
  bool scalar(Json v, const std::string& text) {
    if (emitting()) {
      value_prefix();
      *canonical_ += text;
    }
    return put(std::move(v));
  }

  // Where a new value goes: the root, a member of the collected object (a detached value handed
  // over when complete), an object member or an array element.
  Json* place(Json v) {
    if (frames_.empty()) {
      root = std::move(v);
      return &root;
    }
    Frame& top = frames_.back();
    if (top.collecting) {
      member_ = std::move(v);
      return &member_;
    }
    if (top.slot->is_object()) return &((*top.slot)[pending_key_] = std::move(v));
    top.slot->push_back(std::move(v));
    return &top.slot->back();
  }
  bool put(Json v) {
    bool to_callback = !frames_.empty() && frames_.back().collecting;
    place(std::move(v));
    if (to_callback) return hand_over();
    return true;
  }
  bool hand_over() {
    auto st = stream_->on_member(std::move(pending_key_), std::move(member_));
    member_ = Json();
    if (!st) return fail_with(st.error().code, st.error().message);
    return true;
  }

  bool open(Json v, char bracket) {
    if (frames_.size() >= max_depth_)
      return fail_with(Errc::too_deep, "nesting deeper than " + std::to_string(max_depth_) + " levels");
    // Where this value sits on the stream path (object keys from the root): the canonical path
    // is a prefix of the collected one, so matching the longer one serves both.
    std::size_t on_path = kOff;
    if (frames_.empty()) {
      on_path = 0;
    } else if (stream_) {
      const Frame& parent = frames_.back();
      const auto& path = stream_->collect_at.empty() ? stream_->canonical_at : stream_->collect_at;
      if (parent.on_path != kOff && !parent.array && parent.on_path < path.size() &&
          path[parent.on_path] == pending_key_)
        on_path = parent.on_path + 1;
    }
    bool parent_emit = emitting();
    bool parent_collecting = !frames_.empty() && frames_.back().collecting;
    if (parent_emit) value_prefix();
    Frame f;
    f.array = bracket == '[';
    if (sunk()) {  // a container inside a member that goes to the sink: nothing is built
      std::size_t depth = frames_.back().sink_depth;
      sink()->open(depth, f.array);
      f.slot = &discarded_;
      f.sink_depth = depth + 1;
      f.emit = parent_emit;
      if (f.emit) *canonical_ += bracket;
      frames_.push_back(std::move(f));
      return true;
    }
    f.slot = place(std::move(v));
    f.on_path = on_path;
    f.emit = parent_emit;
    if (stream_ && !parent_emit && !canonical_done && on_path == stream_->canonical_at.size()) f.emit = f.emit_root = true;
    f.collecting = stream_ && bracket == '{' && !stream_->collect_at.empty() && on_path == stream_->collect_at.size();
    f.handover = parent_collecting;
    if (f.handover) f.member_key = pending_key_;
    f.deciding = f.handover && bracket == '{' && sink();
    if (f.emit) *canonical_ += bracket;
    frames_.push_back(std::move(f));
    return true;
  }
  bool close(char bracket) {
    Frame f = std::move(frames_.back());
    frames_.pop_back();
    if (f.emit) *canonical_ += bracket;
    flush(false);
    if (f.emit_root) canonical_done = true;
    if (f.sink_depth) {
      if (!f.handover) {
        sink()->close(f.sink_depth - 1);  // the depth it was opened at
        return true;
      }
      auto st = sink()->end(std::move(f.member_key));
      if (!st) return fail_with(st.error().code, st.error().message);
      return true;
    }
    if (f.handover) {
      pending_key_ = std::move(f.member_key);
      return hand_over();
    }
    return true;
  }

  std::size_t max_depth_;
  StreamOptions* stream_;
  std::string* canonical_ = nullptr;
  std::vector<Frame> frames_;
  std::string pending_key_;
  Json member_;
  Json discarded_;

 public:
  void set_canonical_sink(std::string* out) { canonical_ = out; }
};

Status check_size(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes)
    return fail(Errc::too_large, "JSON document of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                                     std::to_string(limits.max_bytes));
  return {};
}

}  // namespace

Result<Json> parse_strict(std::string_view text, const ParseLimits& limits) {
  SIGNY_TRY_VOID(check_size(text, limits));
  // nlohmann stops at a NUL byte (what follows it would go unread) and skips a UTF-8 byte order
  // mark; RFC 8259 text has neither, and Python's json and Go's encoding/json refuse both.
  if (text.find('\0') != std::string_view::npos) return fail(Errc::malformed_json, "invalid JSON: a NUL byte");
  if (text.starts_with("\xEF\xBB\xBF")) return fail(Errc::malformed_json, "invalid JSON: a byte order mark");
  // Plain JSON through the fast path (in-toto links of 10,000 artifacts: about twice as fast);
  // anything it does not judge is parsed again, from the start, by nlohmann.
  std::optional<StrictSax> sax;
  sax.emplace(limits.max_depth, nullptr);
  bool ok;
  auto fast = detail::fast_sax_parse(text, *sax);
  if (fast == detail::FastParse::deferred) {
    sax.emplace(limits.max_depth, nullptr);
    ok = Json::sax_parse(text.begin(), text.end(), &*sax, nlohmann::json::input_format_t::json, true);
  } else {
    ok = fast == detail::FastParse::done;
  }
  if (!ok || sax->error_) {
    if (sax->error_) return tl::unexpected(*sax->error_);
    return fail(Errc::malformed_json, "invalid JSON");
  }
  return std::move(sax->root);
}

Result<StreamResult> parse_strict_stream(std::string_view text, StreamOptions& options, const ParseLimits& limits) {
  SIGNY_TRY_VOID(check_size(text, limits));
  if (options.canonical_at.empty()) return fail(Errc::internal, "parse_strict_stream: no canonical path");
  if (!options.collect_at.empty()) {
    bool inside = options.collect_at.size() > options.canonical_at.size() &&
                  std::equal(options.canonical_at.begin(), options.canonical_at.end(), options.collect_at.begin());
    if (!inside || !options.on_member) return fail(Errc::internal, "parse_strict_stream: collected object outside the canonical value");
  }
  StreamResult out;
  if (options.canonical_sink) out.canonical.reserve(StrictSax::kSinkPiece * 2);
  else out.canonical.reserve(text.size());  // canonical bytes are never longer than the document
  // Plain JSON (what Notary writes for ASCII names) through the fast path; anything it does not
  // judge is parsed again, from the start, by nlohmann.
  std::optional<StrictSax> sax;
  sax.emplace(limits.max_depth, &options);
  sax->set_canonical_sink(&out.canonical);
  bool ok;
  auto fast = detail::fast_sax_parse(text, *sax);
  if (fast == detail::FastParse::deferred) {
    if (options.on_restart) options.on_restart();
    out.canonical.clear();
    sax.emplace(limits.max_depth, &options);
    sax->set_canonical_sink(&out.canonical);
    ok = Json::sax_parse(text.begin(), text.end(), &*sax, nlohmann::json::input_format_t::json, true);
  } else {
    ok = fast == detail::FastParse::done;
  }
  if (ok && !sax->error_) sax->flush(true);
  if (!ok || sax->error_) {
    if (sax->error_) return tl::unexpected(*sax->error_);
    return fail(Errc::malformed_json, "invalid JSON");
  }
  if (!sax->canonical_done) return fail(Errc::not_found, "no object at the canonical path");
  out.doc = std::move(sax->root);
  return out;
}

}  // namespace signy::cjson
