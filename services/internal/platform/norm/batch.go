package norm

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// ItemsAdapter reads every item of a batched delivery into its own event
// (from newEvent), for the platforms whose Adapter makes one event of the
// first item only. Items carry no event_id: the normalizer keys them.
type ItemsAdapter func(r Request, newEvent func() *eventv1.NormalizedEvent) ([]*eventv1.NormalizedEvent, error)

// ArrayItems is the ItemsAdapter of a platform whose body is a JSON array
// of items of type T (DecodeBatch), each read by fill (which refuses an
// item without its type).
func ArrayItems[T any](platform string, fill func(T, int, *eventv1.NormalizedEvent) error) ItemsAdapter {
	return func(r Request, newEvent func() *eventv1.NormalizedEvent) ([]*eventv1.NormalizedEvent, error) {
		items, err := DecodeBatch[T](platform, r.Body)
		if err != nil {
			return nil, err
		}
		return EachItem(items, newEvent, fill)
	}
}
