package norm

import "encoding/json"

// DecodeField decodes raw, a sub-object of a platform's payload (Mux's
// data, DocuSign's data, Zoom's payload ...) named field, into v. An
// absent or null field is not an error: present is false and v is left
// as it was. Anything but an object is Invalid, naming the field and the
// event's source type.
func DecodeField(platform, field, sourceType string, raw json.RawMessage, v any) (present bool, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return false, nil
	}
	if !IsObject(raw) {
		return false, Invalid(platform, "%s of %q is not an object", field, sourceType)
	}
	if err := Unmarshal(raw, v); err != nil {
		return false, Invalid(platform, "decode %s of %q: %v", field, sourceType, err)
	}
	return true, nil
}
