package boltstore

import (
	"encoding/binary"
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

func be64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := board.MarshalJSON(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// appendIndex adds id under the next sequence number of the sub-bucket name
// of parent, so listing it gives ids in insertion order.
func appendIndex(parent *bolt.Bucket, name, id string) error {
	b, err := parent.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return err
	}
	n, err := b.NextSequence()
	if err != nil {
		return err
	}
	return b.Put(be64(n), []byte(id))
}

func listIndex(parent *bolt.Bucket, name string) []string {
	b := parent.Bucket([]byte(name))
	if b == nil {
		return nil
	}
	var ids []string
	_ = b.ForEach(func(_, v []byte) error {
		ids = append(ids, string(v))
		return nil
	})
	return ids
}

func writeRecords(bb *bolt.Bucket, r *storekit.Records) error {
	if err := bb.Put(kInfo, r.Info); err != nil {
		return err
	}
	if err := bb.Put(kSettings, r.Settings); err != nil {
		return err
	}
	if err := bb.Put(kSeq, be64(r.Seq)); err != nil {
		return err
	}
	if r.Summary != nil {
		if err := bb.Put(kSummary, r.Summary); err != nil {
			return err
		}
	}
	for _, name := range [][]byte{bObjects, bParticipants, bTokens, bVotes, bLog} {
		if _, err := bb.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	put := func(name []byte, m map[string][]byte) error {
		b := bb.Bucket(name)
		for k, v := range m {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	}
	if err := put(bObjects, r.Objects); err != nil {
		return err
	}
	if err := put(bParticipants, r.Participants); err != nil {
		return err
	}
	if err := put(bVotes, r.Votes); err != nil {
		return err
	}
	for h, id := range r.Tokens {
		if err := bb.Bucket(bTokens).Put([]byte(h), []byte(id)); err != nil {
			return err
		}
	}
	return nil
}

func readRecords(bb *bolt.Bucket) *storekit.Records {
	r := &storekit.Records{
		Info:         clone(bb.Get(kInfo)),
		Settings:     clone(bb.Get(kSettings)),
		Objects:      map[string][]byte{},
		Participants: map[string][]byte{},
		Tokens:       map[string]string{},
		Votes:        map[string][]byte{},
	}
	if v := bb.Get(kSeq); len(v) == 8 {
		r.Seq = binary.BigEndian.Uint64(v)
	}
	get := func(name []byte, m map[string][]byte) {
		if b := bb.Bucket(name); b != nil {
			_ = b.ForEach(func(k, v []byte) error {
				m[string(k)] = clone(v)
				return nil
			})
		}
	}
	get(bObjects, r.Objects)
	get(bParticipants, r.Participants)
	get(bVotes, r.Votes)
	if b := bb.Bucket(bTokens); b != nil {
		_ = b.ForEach(func(k, v []byte) error {
			r.Tokens[string(k)] = string(v)
			return nil
		})
	}
	return r
}

// clone copies a value out of a transaction, whose memory it may not
// outlive.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
