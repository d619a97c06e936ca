package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// maxJSONBody bounds a JSON request body; every request the API takes is
// far smaller.
const maxJSONBody = 64 << 10

// decodeJSON reads a request body that must be exactly one JSON value of
// v's shape, and answers the client itself (reporting false) when it is
// not: 413 over maxJSONBody; 400 for bad JSON, anything after the value, an
// unknown field or a field name spelled in another case (encoding/json
// would take "Title" for "title", so a typo'd script would half work), and
// for text that a person would read as empty or that cannot be stored and
// exported (checkStrings). Every JSON handler reads its body with it.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{fmt.Sprintf("request body too large: the limit is %d KiB", maxJSONBody>>10)})
		return false
	case err != nil:
		writeJSON(w, http.StatusBadRequest, errorBody{"read the request body: " + err.Error()})
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{"bad JSON: " + err.Error()})
		return false
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		writeJSON(w, http.StatusBadRequest, errorBody{"bad JSON: more after the JSON value (send exactly one object)"})
		return false
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{"bad JSON: " + err.Error()})
		return false
	}
	if err := exactNames(raw, reflect.TypeOf(v), ""); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{"bad JSON: " + err.Error()})
		return false
	}
	if err := checkStrings(reflect.ValueOf(v), ""); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return false
	}
	return true
}

// unmarshaler is a type that decodes itself; its keys are its own business.
var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// exactNames checks that every object key in raw names a field of t
// exactly, case included (DisallowUnknownFields has already refused keys
// that match no field in any case).
func exactNames(raw any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		if t.Implements(unmarshaler) {
			return nil
		}
		t = t.Elem()
	}
	if t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler) {
		return nil
	}
	switch val := raw.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			fields := jsonFields(t)
			for k, v := range val {
				f, ok := fields[k]
				if !ok {
					return fmt.Errorf("unknown field %q%s (field names are case-sensitive)", path+k, suggest(fields, k))
				}
				if err := exactNames(v, f.Type, path+k+"."); err != nil {
					return err
				}
			}
		case reflect.Map:
			for k, v := range val {
				if err := exactNames(v, t.Elem(), path+k+"."); err != nil {
					return err
				}
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, v := range val {
				if err := exactNames(v, t.Elem(), fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// jsonFields maps the JSON names of a struct's fields to the fields, as
// encoding/json sees them: tags name them, "-" hides them, and the fields
// of an untagged embedded struct are promoted unless a direct field has
// their name. (Index is the path from t, for FieldByIndex.)
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	var embedded []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
			continue
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			embedded = append(embedded, f)
			continue
		case !f.IsExported():
			continue
		case name == "":
			name = f.Name
		}
		out[name] = f
	}
	for _, e := range embedded {
		for name, f := range jsonFields(e.Type) {
			if _, ok := out[name]; !ok {
				f.Index = append(slices.Clone(e.Index), f.Index...)
				out[name] = f
			}
		}
	}
	return out
}

// suggest names the field a mis-cased key was probably meant for.
func suggest(fields map[string]reflect.StructField, key string) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("; did you mean %q?", name)
		}
	}
	return ""
}

// checkStrings checks every string in a decoded request: no control
// character but tab and line breaks (NUL and the like cannot be shown in
// a chat, and XML 1.0 cannot hold them, so the ledger workbook would
// break), and none that has characters but nothing visible (only
// zero-width, format or filler characters besides spaces: it would reach
// officials as an empty title). Whitespace alone is left to the handlers,
// which read it as empty.
func checkStrings(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return checkStrings(v.Elem(), path)
		}
	case reflect.Struct:
		fields := jsonFields(v.Type())
		for name, f := range fields {
			if err := checkStrings(v.FieldByIndex(f.Index), path+name+"."); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkStrings(v.Index(i), fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if err := checkStrings(v.MapIndex(k), fmt.Sprintf("%s%v.", path, k)); err != nil {
				return err
			}
		}
	case reflect.String:
		field := strings.TrimSuffix(path, ".")
		s := v.String()
		for _, r := range s {
			if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
				return fmt.Errorf("%s: contains the control character %U", field, r)
			}
		}
		if strings.TrimSpace(s) != "" && !visible(s) {
			return fmt.Errorf("%s: has no visible characters (only zero-width, format or blank characters)", field)
		}
	}
	return nil
}

// visible reports whether s has a character that shows: not a space, a
// control or format character (zero-width space and joiners, byte order
// mark, direction marks), a variation selector or a blank filler.
func visible(s string) bool {
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), unicode.IsControl(r), unicode.Is(unicode.Cf, r),
			unicode.Is(unicode.Variation_Selector, r), blank(r):
			continue
		}
		return true
	}
	return false
}

// blank reports the letters and symbols that are drawn as nothing: Hangul
// fillers and the blank Braille pattern, favourites for invisible names.
func blank(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800':
		return true
	}
	return false
}
