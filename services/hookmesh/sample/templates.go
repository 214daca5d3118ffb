package sample

// defaults is each platform's default sample type: its most common
// event, and one the normalizer maps to a common event type wherever the
// platform has one (discord's only mapped type is the PING handshake,
// which the edge answers without recording, so its default is a command).
var defaults = map[string]string{}

// templates holds the sample bodies by platform and type, one file per
// platform family. Amounts are sent as each platform sends money (integer
// minor units, decimal strings) and 64-bit ids are deliberately ones that
// break float64 decoding.
var templates = map[string]map[string]template{}
