package platform

import (
	"net/url"
	"strings"
)

// Form encodes name, value pairs as an application/x-www-form-urlencoded
// body in the order given, as Twilio and Mailgun send their callbacks
// (url.Values.Encode would sort them): the samples of form-posting
// platforms build their bodies with it.
func Form(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv[i+1]))
	}
	return b.String()
}
