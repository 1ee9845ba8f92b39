// Known answers for Notary's canonical JSON, used by scripts/gen-fixtures.sh.
//
// For every DIR/NAME.input.json: decode it with Go's encoding/json into interface{} (numbers
// become float64, as they do in Notary), then
//   - NAME.canonical: the bytes of github.com/docker/go/canonical/json.MarshalCanonical
//     (what Notary signs), or NAME.error: the text of its error;
//   - NAME.envelope: encoding/json.Marshal of a signed envelope whose "signed" is those
//     canonical bytes as a json.RawMessage (how Notary writes a metadata file: the same
//     bytes compacted again with HTML escaping, e.g. "<" becomes \u003c), or
//     NAME.envelope.error when encoding/json refuses the canonical bytes as a RawMessage.
//
// Build offline against Debian's golang-github-docker-go-dev:
//   GOPATH=/usr/share/gocode GO111MODULE=off go run scripts/fixtures-cjson.go DIR
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	cjson "github.com/docker/go/canonical/json"
)

type signature struct {
	KeyID  string `json:"keyid"`
	Method string `json:"method"`
	Sig    string `json:"sig"`
}

type envelope struct {
	Signed     *json.RawMessage `json:"signed"`
	Signatures []signature      `json:"signatures"`
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fixtures-cjson:", err)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: fixtures-cjson DIR"))
	}
	inputs, err := filepath.Glob(filepath.Join(os.Args[1], "*.input.json"))
	if err != nil {
		fail(err)
	}
	sort.Strings(inputs)
	for _, in := range inputs {
		base := strings.TrimSuffix(in, ".input.json")
		data, err := os.ReadFile(in)
		if err != nil {
			fail(err)
		}
		var v interface{}
		if err := json.Unmarshal(data, &v); err != nil {
			fail(fmt.Errorf("%s: %v", in, err))
		}
		canonical, err := cjson.MarshalCanonical(v)
		if err != nil {
			if err := os.WriteFile(base+".error", []byte(err.Error()), 0o644); err != nil {
				fail(err)
			}
			continue
		}
		if err := os.WriteFile(base+".canonical", canonical, 0o644); err != nil {
			fail(err)
		}
		raw := json.RawMessage(canonical)
		env, err := json.Marshal(envelope{
			Signed: &raw,
			Signatures: []signature{{
				KeyID:  "0000000000000000000000000000000000000000000000000000000000000000",
				Method: "ecdsa",
				Sig:    "c2lnbmF0dXJl",
			}},
		})
		if err != nil {
			// encoding/json checks a RawMessage is valid JSON: canonical bytes with raw
			// control characters in a string are not, so Notary could not write them.
			if err := os.WriteFile(base+".envelope.error", []byte(err.Error()), 0o644); err != nil {
				fail(err)
			}
			continue
		}
		if err := os.WriteFile(base+".envelope", env, 0o644); err != nil {
			fail(err)
		}
	}
}
