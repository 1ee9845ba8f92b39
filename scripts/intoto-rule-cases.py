#!/usr/bin/python3
# Runs the reference's artifact rule engine (Debian in-toto 1.3.1, verifylib.verify_item_rules)
# on the cases that tests/unit/intoto/test_rule_engine.cpp pins ("reference verdicts"), and
# prints one line per case: NAME pass|fail. Keep the CASES here and in the test in step.
# Hash shorthand: "a1" stands for {"sha256": "a1"}; a dict is used as written.
import logging

from in_toto.models.link import Link
from in_toto.models.metadata import Metablock
from in_toto.verifylib import verify_item_rules

logging.disable(logging.CRITICAL)


def H(v):
  return {"sha256": v} if isinstance(v, str) else v


def links(**steps):
  return {name: Metablock(signed=Link(name=name,
                                      materials={p: H(h) for p, h in mp.items()},
                                      products={p: H(h) for p, h in pp.items()}))
          for name, (mp, pp) in steps.items()}


R = str.split
# name: (item, source type, rules, links)
CASES = [
  ("create_new", "a", "products", [R("CREATE a"), R("DISALLOW *")], links(a=({}, {"a": "a1"}))),
  ("create_existing", "a", "products", [R("CREATE a"), R("DISALLOW *")], links(a=({"a": "a1"}, {"a": "a2"}))),
  ("delete_gone", "a", "materials", [R("DELETE a"), R("DISALLOW *")], links(a=({"a": "a1"}, {}))),
  ("delete_kept", "a", "materials", [R("DELETE a"), R("DISALLOW *")], links(a=({"a": "a1"}, {"a": "a1"}))),
  ("modify_same", "a", "products", [R("MODIFY a"), R("DISALLOW *")], links(a=({"a": "a1"}, {"a": "a1"}))),
  ("modify_changed", "a", "products", [R("MODIFY a"), R("DISALLOW *")], links(a=({"a": "a1"}, {"a": "a2"}))),
  ("allow_star_across_slash", "a", "products", [R("ALLOW src/*"), R("DISALLOW *")],
   links(a=({}, {"src/x/y.c": "a1"}))),
  ("disallow_before_allow", "a", "products", [R("DISALLOW *"), R("ALLOW *")], links(a=({}, {"x": "a1"}))),
  ("implicit_allow", "a", "products", [R("ALLOW nothing")], links(a=({}, {"x": "a1"}))),
  ("require_present", "a", "products", [R("REQUIRE foo")], links(a=({}, {"foo": "a1"}))),
  ("require_consumed", "a", "products", [R("ALLOW foo"), R("REQUIRE foo")], links(a=({}, {"foo": "a1"}))),
  ("require_no_glob", "a", "products", [R("REQUIRE f*")], links(a=({}, {"foo": "a1"}))),
  ("match_equal", "b", "materials", [R("MATCH foo WITH PRODUCTS FROM a"), R("DISALLOW *")],
   links(a=({}, {"foo": "a1"}), b=({"foo": "a1"}, {}))),
  ("match_hash_differs", "b", "materials", [R("MATCH foo WITH PRODUCTS FROM a"), R("DISALLOW *")],
   links(a=({}, {"foo": "a2"}), b=({"foo": "a1"}, {}))),
  ("match_extra_algorithm", "b", "materials", [R("MATCH foo WITH PRODUCTS FROM a"), R("DISALLOW *")],
   links(a=({}, {"foo": {"sha256": "a1", "sha512": "a9"}}), b=({"foo": "a1"}, {}))),
  ("match_with_materials", "b", "materials", [R("MATCH foo WITH MATERIALS FROM a"), R("DISALLOW *")],
   links(a=({"foo": "a1"}, {"foo": "a2"}), b=({"foo": "a1"}, {}))),
  ("match_no_dest_link", "b", "materials", [R("MATCH * WITH PRODUCTS FROM nostep"), R("DISALLOW *")],
   links(b=({"foo": "a1"}, {}))),
  ("match_prefixes", "b", "materials",
   [R("MATCH *.tgz IN dist WITH PRODUCTS IN build/ FROM a"), R("DISALLOW *")],
   links(a=({}, {"build/x/foo.tgz": "a1"}), b=({"dist/x/foo.tgz": "a1"}, {}))),
  ("match_prefix_not_globbed", "b", "materials", [R("MATCH * IN d* WITH PRODUCTS FROM a"), R("DISALLOW *")],
   links(a=({}, {"x": "a1"}), b=({"dist/x": "a1"}, {}))),
  ("match_leading_slash_keyerror", "b", "materials", [R("MATCH * IN dist WITH PRODUCTS IN build FROM a")],
   links(a=({}, {"/foo": "a1"}), b=({"dist//foo": "a1"}, {}))),
  ("match_leading_slash_consumes_other", "b", "materials",
   [R("MATCH * IN dist WITH PRODUCTS IN build FROM a"), R("DISALLOW /foo")],
   links(a=({}, {"/foo": "a1"}), b=({"dist//foo": "a1", "/foo": "a1"}, {}))),
  ("match_leading_slash_source_left", "b", "materials",
   [R("MATCH * IN dist WITH PRODUCTS IN build FROM a"), R("DISALLOW dist//foo")],
   links(a=({}, {"/foo": "a1"}), b=({"dist//foo": "a1", "/foo": "a1"}, {}))),
  ("sets_and_literal_caret", "a", "products",
   [R("ALLOW [ab][0-9]"), R("ALLOW [^]x"), R("ALLOW []]"), R("DISALLOW *")],
   links(a=({}, {"a1": "aa", "b2": "aa", "^x": "aa", "]": "aa"}))),
  ("negated_set", "a", "products", [R("ALLOW [!a]"), R("DISALLOW a")], links(a=({}, {"a": "aa", "b": "aa"}))),
  ("reversed_range_matches_nothing", "a", "products", [R("ALLOW [z-a]"), R("DISALLOW *")],
   links(a=({}, {"b": "aa"}))),
  ("double_dash_range", "a", "products", [R("ALLOW [a--b]"), R("DISALLOW -")], links(a=({}, {"-": "aa", "b": "aa"}))),
  ("unclosed_bracket_literal", "a", "products", [R("ALLOW [ab"), R("DISALLOW *")], links(a=({}, {"[ab": "aa"}))),
  ("question_is_one_code_point", "a", "products", [R("ALLOW ?"), R("DISALLOW *")],
   links(a=({}, {"\u00e9": "aa"}))),
  ("case_sensitive", "a", "products", [R("ALLOW a"), R("DISALLOW *")], links(a=({}, {"A": "aa"}))),
  ("no_source_link", "a", "products", [R("ALLOW *")], links(b=({}, {}))),
]

for name, item, kind, rules, ls in CASES:
  try:
    verify_item_rules(item, kind, rules, ls)
    verdict = "pass"
  except Exception as e:  # in-toto-verify fails on any exception
    verdict = "fail"
  print(name, verdict)
