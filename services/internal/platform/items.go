package platform

import (
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// Items is how a batching platform's delivery becomes one event per item
// (eventkey.ItemKeys and the normalizer's NormalizeAll read it). Key and
// Normalize still make the delivery's own event: the batch key and the
// first item.
type Items struct {
	// Keys returns the key of every item, in the body's order, each the
	// key the item would get were it sent alone, so that a one-item
	// batch's only key is Key's. It fails (wrapping apperr.ErrInvalid)
	// exactly where Key does.
	Keys func(body []byte) ([]eventid.Key, error)
	// Normalize reads every item into its own event (from newEvent), in
	// the body's order. Items carry no event_id: the normalizer keys them
	// with Keys.
	Normalize norm.ItemsAdapter
}
