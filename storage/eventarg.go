package storage

import (
	"strconv"
	"strings"
	"time"
)

// Arg is one value of an event's typed detail (Event.Args). Kind says how
// a reader shows it: an official id as the official's name, a time in the
// town's time zone, a word in the reader's language.
type Arg struct {
	Name  string `json:"name"`           // the field of the message, e.g. "People"
	Kind  string `json:"kind,omitempty"` // Arg…; "" is text
	Value string `json:"value"`
}

// Kinds of Arg.
const (
	ArgText      = ""          // shown as it is: a number, a file name, words someone typed
	ArgOfficials = "officials" // official ids, comma-separated: their names
	ArgUnits     = "units"     // unit ids, comma-separated: their names
	ArgTime      = "time"      // RFC 3339: a local date and time
	ArgSpan      = "span"      // two RFC 3339 times, "start/end": a shift's hours
	ArgWord      = "word"      // "vocabulary:word" (a level, a reason; Vocab…): the reader's word for it
	ArgTask      = "task"      // a duty instance id ("14.2/yjb/2026-12"): point, holder and period by name
)

// Text is an argument shown as it is.
func Text(name, value string) Arg { return Arg{Name: name, Value: value} }

// Int is a number.
func Int(name string, n int) Arg { return Arg{Name: name, Value: strconv.Itoa(n)} }

// Officials are people, named by the reader.
func Officials(name string, ids ...string) Arg {
	return Arg{Name: name, Kind: ArgOfficials, Value: strings.Join(ids, ",")}
}

// Units are units, named by the reader.
func Units(name string, ids ...string) Arg {
	return Arg{Name: name, Kind: ArgUnits, Value: strings.Join(ids, ",")}
}

// Time is a moment; the zero time is left empty.
func Time(name string, t time.Time) Arg {
	if t.IsZero() {
		return Arg{Name: name, Kind: ArgTime}
	}
	return Arg{Name: name, Kind: ArgTime, Value: t.UTC().Format(time.RFC3339)}
}

// Span is the hours of a shift, from start to end.
func Span(name string, start, end time.Time) Arg {
	return Arg{Name: name, Kind: ArgSpan, Value: start.UTC().Format(time.RFC3339) + "/" + end.UTC().Format(time.RFC3339)}
}

// Word is a word of a vocabulary (Vocab…: a level, a reason), which the
// reader says in their language; an empty word is left empty.
func Word(name, vocab, word string) Arg {
	if word == "" {
		return Arg{Name: name, Kind: ArgWord}
	}
	return Arg{Name: name, Kind: ArgWord, Value: vocab + ":" + word}
}

// Vocab splits a word argument into its vocabulary and word.
func (a Arg) Vocab() (vocab, word string) {
	vocab, word, ok := strings.Cut(a.Value, ":")
	if !ok {
		return "", a.Value
	}
	return vocab, word
}

// Task is a duty instance, by its id.
func Task(name, id string) Arg { return Arg{Name: name, Kind: ArgTask, Value: id} }

// List splits an officials or units argument into its ids.
func (a Arg) List() []string {
	if a.Value == "" {
		return nil
	}
	return strings.Split(a.Value, ",")
}

// Times reads a time (one) or a span (two); false when the value is not one.
func (a Arg) Times() ([]time.Time, bool) {
	var out []time.Time
	for _, s := range strings.Split(a.Value, "/") {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, false
		}
		out = append(out, t)
	}
	return out, true
}

// Arg returns the event's argument called name.
func (e Event) Arg(name string) (Arg, bool) {
	for _, a := range e.Args {
		if a.Name == name {
			return a, true
		}
	}
	return Arg{}, false
}
