package mux

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Mux webhooks `hookmesh send` builds, modelled on the
// events of Mux's docs. The fresh id is the event id (a UUID).
var samples = platform.Samples{
	Default:   "video.asset.ready",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
}

const asset = `{"id": "%[1]s", "status": "%[2]s", "created_at": 1709911200, "playback_ids": [{"id": "OfjbFJTvX2Ey01lEuo9Ub6pa7bFU9gZ4SiqSRvn5o9Vo", "policy": "public"}], "mp4_support": "none", "master_access": "none", "encoding_tier": "smart", "video_quality": "plus", "max_stored_resolution": "HD", "resolution_tier": "1080p", "max_resolution_tier": "1080p", "aspect_ratio": "16:9", "duration": 23.857167, "max_stored_frame_rate": 29.97, "tracks": [{"type": "video", "id": "7wHcdsMnd02dR01t8MM8N1aIhdYJqYuxyRU00t2Qnxx2Z8", "max_width": 1920, "max_height": 1080, "max_frame_rate": 29.97, "duration": 23.8238}, {"type": "audio", "id": "8JPgH4eU9pDT02UQvkB4JfffU02rYHSOIW5qJuuqVgn4M", "max_channels": 2, "max_channel_layout": "stereo", "duration": 23.857167}], "passthrough": "video-1001", "ingest_type": "on_demand_url", "upload_id": null}`

var templates = map[string]platform.Template{
	"video.asset.ready":   eventTemplate("video.asset.ready", "asset", func(obj string) string { return fmt.Sprintf(asset, obj, "ready") }),
	"video.asset.created": eventTemplate("video.asset.created", "asset", func(obj string) string { return fmt.Sprintf(asset, obj, "preparing") }),
	"video.live_stream.active": eventTemplate("video.live_stream.active", "live_stream", func(obj string) string {
		return fmt.Sprintf(`{"id": "%s", "status": "active", "stream_key": "redacted", "active_asset_id": "JYUUQPmdUyf9h01ST7BXtvcJm01IxyhqjO8y5kvoyxAI00", "recent_asset_ids": ["JYUUQPmdUyf9h01ST7BXtvcJm01IxyhqjO8y5kvoyxAI00"], "playback_ids": [{"id": "NZ92YQzS01Ns3E00zDSk00KbJ9SZsX8FJ009", "policy": "public"}], "new_asset_settings": {"playback_policies": ["public"]}, "latency_mode": "standard", "reconnect_window": 60, "max_continuous_duration": 43200, "passthrough": "stream-7", "created_at": 1709900000}`, obj)
	}),
}

// eventTemplate renders an event about a fresh object of kind (its id
// derived from the event id).
func eventTemplate(typ, kind string, data func(objectID string) string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		obj := strings.ReplaceAll(id, "-", "")[:22]
		return fmt.Sprintf(`{"type": "%[1]s", "request_id": null, "object": {"type": "%[2]s", "id": "%[3]s"}, "id": "%[4]s", "environment": {"name": "Production", "id": "j0863n"}, "data": %[5]s, "created_at": "%[6]s", "attempts": [], "accessor_source": null, "accessor": null}`,
			typ, kind, obj, id, data(obj), now.UTC().Format("2006-01-02T15:04:05.000000Z")), nil
	}
}
