package eventid

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// BatchPrefix marks a key derived from the ids of a batch (HubSpot,
// SendGrid, Adyen deliver several events in one request): "batch:" and the
// hex SHA-256 of the items' ids, sorted and joined with newlines, so a
// retry of the same batch gets the same key whatever the item order.
const BatchPrefix = "batch:"

// MaxBatch bounds the items read from a batch body.
const MaxBatch = 1000

// IDOf returns the raw id and source (RawText) of one item of a JSON
// array of events.
type IDOf func(item map[string]json.RawMessage) (id, source string)

// BatchKey keys a JSON array of events: a single event by its own id
// (scoped by its source), several by the hash of their sorted
// "source/id" pairs, scoped by the source they share (or none).
func BatchKey(platform string, body []byte, idOf IDOf) (Key, error) {
	ids, srcs, err := BatchIDs(platform, body, idOf)
	if err != nil {
		return Key{}, err
	}
	return JoinKeys(ids, srcs, func(i int) string { return srcs[i] + "/" + ids[i] }), nil
}

// BatchIDs returns the raw id and source of every event of a JSON array
// of events (1 to MaxBatch of them, each with an id); anything else wraps
// apperr.ErrInvalid.
func BatchIDs(platform string, body []byte, idOf IDOf) (ids, srcs []string, err error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, nil, fmt.Errorf("%s: body is not a JSON array of events: %w", platform, apperr.ErrInvalid)
	}
	if len(items) > MaxBatch {
		return nil, nil, fmt.Errorf("%s: more than %d events: %w", platform, MaxBatch, apperr.ErrInvalid)
	}
	if len(items) == 0 {
		return nil, nil, fmt.Errorf("%s: empty batch: %w", platform, apperr.ErrInvalid)
	}
	ids, srcs = make([]string, len(items)), make([]string, len(items))
	for i, it := range items {
		ids[i], srcs[i] = idOf(it)
		if ids[i] == "" {
			return nil, nil, fmt.Errorf("%s: an event has no id: %w", platform, apperr.ErrInvalid)
		}
	}
	return ids, srcs, nil
}

// JoinKeys is the key of a batch whose items have the raw ids and sources
// given: one item's own key; for several, the hash of hashed(i) sorted
// (see HashIDs), scoped by the source all items share, else none.
func JoinKeys(ids, srcs []string, hashed func(i int) string) Key {
	src := srcs[0]
	for _, s := range srcs[1:] {
		if s != src {
			src = ""
			break
		}
	}
	if len(ids) == 1 {
		return Key{EventID: Encode(ids[0]), Source: Encode(src)}
	}
	hs := make([]string, len(ids))
	for i := range ids {
		hs[i] = hashed(i)
	}
	return Key{EventID: HashIDs(hs), Source: Encode(src)}
}

// HashIDs is BatchPrefix and the hex SHA-256 of ids, sorted in place and
// joined with newlines.
func HashIDs(ids []string) string {
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	return BatchPrefix + hex.EncodeToString(sum[:])
}

// ItemKeys encodes the raw ids and sources of a batch's items into their
// keys, in order (Items.Keys).
func ItemKeys(ids, srcs []string) []Key {
	keys := make([]Key, len(ids))
	for i := range ids {
		keys[i] = Key{EventID: Encode(ids[i]), Source: Encode(srcs[i])}
	}
	return keys
}

// BatchItemKeys is the Items.Keys of a platform whose body is a JSON
// array of events (BatchIDs): every item's key, in order.
func BatchItemKeys(platform string, body []byte, idOf IDOf) ([]Key, error) {
	ids, srcs, err := BatchIDs(platform, body, idOf)
	if err != nil {
		return nil, err
	}
	return ItemKeys(ids, srcs), nil
}
