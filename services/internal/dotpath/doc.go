// Package dotpath reads values out of a JSON request body with the dotted
// paths of a configured source (HOOKMESH_SOURCES_FILE): "data.object.id",
// "items.0.id". A path is compiled once, when the source is loaded; a body
// is checked once to be one JSON object (ParseObject); each lookup then
// walks only the objects and arrays on its path, skipping the values
// beside it, without decoding anything and without allocating. A reader
// of several paths compiles them together and finds them all in one pass:
// a configured source's paths and dedup path (CompilePaths,
// Object.LookupAll: Lookup's answers and errors), a subscription filter's
// member paths payload.a.b (CompileMembers, Object.Members: object keys
// only, null included).
//
// The meaning is that of the encoding/json walk it replaces, so the edge's
// dedup key and the normalizer's fields stay what they were for events
// already recorded:
//
//   - a segment is a plain object key, compared with the key as
//     encoding/json decodes it (escapes resolved, invalid UTF-8 read as
//     U+FFFD); no character is special but the dot, so "*", "?", "#", "@",
//     "|" and "\" in a segment mean themselves;
//   - in an array, a segment is a decimal index (strconv.Atoi: "0", "12");
//     any other segment there is an error;
//   - a key repeated in an object: the last one wins, as in encoding/json,
//     and so in the presets and in most handlers' own JSON parsers;
//   - absent, null, an index past the end, or a null on the way: not found;
//   - stepping into a string, number or boolean is an error.
package dotpath
