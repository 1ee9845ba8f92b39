// A SAX handler that writes down every event (tests and fuzzing: the fast path must deliver
// exactly nlohmann's events for what it accepts).
#pragma once
#include <string>
#include <vector>

#include "signy/cjson/cjson.hpp"

namespace signy::cjson::detail {

class RecordingSax : public nlohmann::json_sax<Json> {
 public:
  std::vector<std::string> events;
  bool null() override { return add("null"); }
  bool boolean(bool v) override { return add(v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override { return add("i" + std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return add("u" + std::to_string(v)); }
  bool number_float(number_float_t, const string_t& s) override { return add("f" + s); }
  bool string(string_t& v) override { return add("s" + v); }
  bool binary(binary_t&) override { return add("binary"); }
  bool start_object(std::size_t) override { return add("{"); }
  bool key(string_t& k) override { return add("k" + k); }
  bool end_object() override { return add("}"); }
  bool start_array(std::size_t) override { return add("["); }
  bool end_array() override { return add("]"); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  bool add(std::string e) {
    events.push_back(std::move(e));
    return true;
  }
};

}  // namespace signy::cjson::detail
