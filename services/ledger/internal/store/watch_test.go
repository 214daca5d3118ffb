package store

import (
	"errors"
	"math"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, p := range []Position{{}, {Xid: 0, ID: 1}, {Xid: 1 << 40, ID: 7}, {Xid: math.MaxUint64, ID: math.MaxInt64}} {
		for _, kind := range []byte{CursorPostgres, CursorSQLite} {
			if kind == CursorSQLite && p.Xid != 0 {
				continue
			}
			c := EncodeCursor(kind, p)
			got, err := ParseCursor(kind, c)
			if err != nil || got != p {
				t.Errorf("ParseCursor(EncodeCursor(%c, %+v)) = %+v, %v", kind, p, got, err)
			}
		}
	}
	pg := EncodeCursor(CursorPostgres, Position{ID: 3})
	for name, c := range map[string]string{
		"empty": "", "not base64": "!!!", "short": "AQ", "other backend": pg,
		"flipped": pg[:len(pg)-1] + string(pg[len(pg)-1]^1),
		"long":    pg + pg + pg,
	} {
		if _, err := ParseCursor(CursorSQLite, c); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%s: ParseCursor(%q) = %v, want ErrInvalid", name, c, err)
		}
	}
}

// FuzzParseCursor: cursors come from clients. Whatever ParseCursor
// accepts encodes back to the same text (a position has one cursor), and
// nothing makes it panic.
func FuzzParseCursor(f *testing.F) {
	f.Add(EncodeCursor(CursorPostgres, Position{Xid: 812, ID: 99}))
	f.Add(EncodeCursor(CursorSQLite, Position{ID: 5}))
	f.Add("AQ")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		for _, kind := range []byte{CursorPostgres, CursorSQLite} {
			p, err := ParseCursor(kind, s)
			if err != nil {
				if !errors.Is(err, apperr.ErrInvalid) {
					t.Fatalf("ParseCursor(%q): %v is not ErrInvalid", s, err)
				}
				continue
			}
			if back := EncodeCursor(kind, p); back != s {
				t.Fatalf("ParseCursor(%q) = %+v, which encodes as %q", s, p, back)
			}
		}
	})
}

func TestHeadCheck(t *testing.T) {
	h := WatchHead{Horizon: Position{Xid: 5, ID: 10}, Future: Position{Xid: 9}}
	for _, c := range []struct {
		p    Position
		want error
	}{
		{Position{Xid: 5, ID: 10}, nil},
		{Position{Xid: 9}, nil},
		{Position{Xid: 5, ID: 9}, ErrCursorExpired},
		{Position{}, ErrCursorExpired},
		{Position{Xid: 9, ID: 1}, apperr.ErrInvalid},
	} {
		if err := h.Check(c.p); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("Check(%+v) = %v, want %v", c.p, err, c.want)
		}
	}
}

func TestWatchResultNext(t *testing.T) {
	head := WatchHead{Stable: Position{Xid: 20}}
	row := func(xid uint64, id int64) WatchRow {
		return WatchRow{Pos: Position{Xid: xid, ID: id}, Event: EventRow{ID: id, Platform: "stripe"}}
	}
	// A full page continues after its last event.
	page, err := WatchResult(CursorPostgres, WatchQuery{Limit: 2}, head, []WatchRow{row(3, 1), row(4, 2)})
	if err != nil || !page.Full || page.Next != (Position{Xid: 4, ID: 2}) {
		t.Errorf("full page: next %+v, full %v, %v", page.Next, page.Full, err)
	}
	// A short one saw everything before Stable.
	page, err = WatchResult(CursorPostgres, WatchQuery{Limit: 2}, head, []WatchRow{row(3, 1)})
	if err != nil || page.Full || page.Next != head.Stable {
		t.Errorf("short page: next %+v, full %v, %v", page.Next, page.Full, err)
	}
	if p, _ := ParseCursor(CursorPostgres, page.NextCursor); p != page.Next {
		t.Errorf("NextCursor decodes to %+v", p)
	}
	// Never backwards.
	page, _ = WatchResult(CursorPostgres, WatchQuery{After: Position{Xid: 30}}, head, nil)
	if page.Next != (Position{Xid: 30}) {
		t.Errorf("empty page after the stable position: next %+v", page.Next)
	}
}
