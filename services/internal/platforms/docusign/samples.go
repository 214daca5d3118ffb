package docusign

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Connect messages `hookmesh send` builds, modelled on
// the JSON (SIM) messages of DocuSign's docs. The fresh id is the
// envelope's id; the dedup key is derived from the body (key).
var samples = platform.Samples{
	Default:        "envelope-completed",
	NewID:          func(time.Time) string { return randid.UUID() },
	Templates:      templates,
	KeyedByContent: true,
}

const (
	sampleAccount = "a9d9d8c2-1f0b-4a5e-9c3d-7e6f5a4b3c2d"
	sampleUser    = "5e8a1c4d-2b3f-4e6a-8d9c-0b1a2c3d4e5f"
)

var templates = map[string]platform.Template{
	"envelope-completed":  messageTemplate("envelope-completed", "completed", ""),
	"envelope-sent":       messageTemplate("envelope-sent", "sent", ""),
	"recipient-completed": messageTemplate("recipient-completed", "sent", "1"),
}

// messageTemplate renders a Connect message about envelope id in status;
// recipient, when set, is the recipient the event is about.
func messageTemplate(event, status, recipient string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		at := now.UTC().Format("2006-01-02T15:04:05.0000000Z")
		rcpt := ""
		if recipient != "" {
			rcpt = fmt.Sprintf(`"recipientId": "%s", `, recipient)
		}
		return fmt.Sprintf(`{"event": "%[1]s", "apiVersion": "v2.1", "uri": "/restapi/v2.1/accounts/%[2]s/envelopes/%[3]s", "retryCount": 0, "configurationId": 10418321, "generatedDateTime": "%[4]s", "data": {"accountId": "%[2]s", "userId": "%[5]s", "envelopeId": "%[3]s", %[6]s"envelopeSummary": {"status": "%[7]s", "documentsUri": "/envelopes/%[3]s/documents", "recipientsUri": "/envelopes/%[3]s/recipients", "emailSubject": "Please sign: Master Services Agreement", "envelopeId": "%[3]s", "signingLocation": "online", "sender": {"userName": "Alex Sender", "userId": "%[5]s", "accountId": "%[2]s", "email": "alex.sender@example.com"}, "recipients": {"signers": [{"name": "Jane Signer", "email": "jane.signer@example.com", "recipientId": "1", "routingOrder": "1", "status": "%[7]s"}]}, "createdDateTime": "%[4]s", "sentDateTime": "%[4]s"}}}`,
			event, sampleAccount, id, at, sampleUser, rcpt, status), nil
	}
}
