package stdwebhooks

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// Event is the sample template of a payload in the shape the
// specification recommends, {"type", "timestamp", "data"}; in data, %[1]s
// is a fresh object id and %[2]d now in unix milliseconds. The id,
// timestamp and signature headers come from Sign.
func Event(typ, data string) platform.Template {
	return func(_ string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"type": "%s", "timestamp": "%s", "data": %s}`,
			typ, now.UTC().Format(time.RFC3339Nano), fmt.Sprintf(data, randid.Alnum(27), now.UnixMilli())), nil
	}
}
