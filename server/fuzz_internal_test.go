package server

import (
	"encoding/json"
	"testing"
)

func FuzzDecodeClientMsg(f *testing.F) {
	for _, s := range []string{
		`{"type":"ops","id":"1","ops":[{"op":"create","id":"0b0f1c1e-7c3a-4d5e-9f00-000000000001","kind":"note","props":{"x":1,"y":2}}]}`,
		`{"type":"settings","id":"2","settings":{"locked":true}}`,
		`{"type":"vote","id":"3","target":"0b0f1c1e-7c3a-4d5e-9f00-000000000001","delta":1}`,
		`{"type":"presence","cursor":{"x":1,"y":2},"selection":[],"editing":null}`,
		`{"type":"presence","cursor":null}`,
		`{"type":"ops","id":"x","ops":[],"extra":1}`,
		`{"type":"participants","id":"4","ids":["0b0f1c1e-7c3a-4d5e-9f00-000000000001"]}`,
		`{"type":"participants","id":"5","all":true}`,
		`not json`, `[]`, `{}`, `null`, `{"type":"vote","id":"1","delta":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeClientMsg(b)
		if m == nil && err == nil {
			t.Fatal("no message and no error")
		}
		if err != nil && (err.Code == "" || err.Message == "") {
			t.Fatalf("error without code or message: %+v", err)
		}
		if m != nil && err == nil {
			if !isKnownType(m.Type) {
				t.Fatalf("accepted unknown type %q", m.Type)
			}
			if m.Type != "presence" && m.Type != "ping" && (m.ID == "" || len(m.ID) > 64) {
				t.Fatalf("accepted id %q", m.ID)
			}
			if m.Type == "participants" && (m.All == (len(m.IDs) > 0) || len(m.IDs) > maxRosterIDs) {
				t.Fatalf("accepted a participants request with all %v and %d ids", m.All, len(m.IDs))
			}
			// What was accepted must survive a round trip.
			if _, err := json.Marshal(m); err != nil {
				t.Fatal(err)
			}
		}
	})
}
