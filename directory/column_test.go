package directory

import (
	"reflect"
	"strings"
	"testing"
)

func TestColumns(t *testing.T) {
	cols := Columns()
	want := []Column{ColName, ColUnit, ColRoles, ColPhone, ColSuperior, ColID, ColLanguage}
	if !reflect.DeepEqual(cols, want) {
		t.Fatalf("Columns() = %v, want %v", cols, want)
	}
	cols[0] = "改了"
	if Columns()[0] != ColName {
		t.Error("changing what Columns returned changed the package's columns")
	}
	// The aliases shown in messages are those recognised, in the same
	// order, and every column is recognised by its own name.
	for _, c := range want {
		shown := c.Aliases()
		if len(shown) == 0 || shown[0] != string(c) {
			t.Errorf("%s: aliases %v do not start with its name", c, shown)
		}
		for rank, a := range shown {
			f, r, ok := match(a)
			if !ok || columns[f] != c || r > rank || normalize(shown[r]) != normalize(a) {
				t.Errorf("%s: alias %q is recognised as %v rank %d (%v)", c, a, columns[f], r, ok)
			}
		}
	}
	// No header names two columns.
	owner := map[string]Column{}
	for _, c := range want {
		for _, a := range c.Aliases() {
			if o, ok := owner[normalize(a)]; ok && o != c {
				t.Errorf("header %q names both %s and %s", a, o, c)
			}
			owner[normalize(a)] = c
		}
	}
	if Column("备注").Aliases() != nil {
		t.Error("an unknown column has aliases")
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		" 姓 名* ":   "姓名",
		"职务（角色）":   "职务角色",
		"职务／角色":    "职务角色",
		"职务、角色":    "职务角色",
		"Ｐｈｏｎｅ：":   "phone",
		"【手机号】":    "手机号",
		"\u3000单位": "单位",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProblemMessages(t *testing.T) {
	long := strings.Repeat("长", 100)
	for _, tt := range []struct {
		err  FileError
		want string
	}{
		{FileError{Name: "a.xlsx", Problems: []Problem{{Row: 3, Column: ColPhone, Msg: "empty"}}}, "a.xlsx row 3 (手机号): empty"},
		{FileError{Name: "a.xlsx", Problems: []Problem{{Row: 3, Msg: "bad"}}}, "a.xlsx row 3: bad"},
		{FileError{Name: "a.xlsx", Problems: []Problem{{Msg: "no header"}}}, "a.xlsx: no header"},
		{FileError{Name: "a.xlsx", Problems: []Problem{{Msg: "no header"}, {Row: 2, Column: ColName, Msg: "x"}}}, "a.xlsx: 2 problems:\n\tno header\n\trow 2 (姓名): x"},
		{FileError{Name: "a.xlsx"}, "a.xlsx: invalid"},
		{FileError{Name: "a.xlsx", Problems: []Problem{{Row: 1, Msg: "header " + quote(long)}}}, "a.xlsx row 1: header \"" + strings.Repeat("长", maxQuoted-1) + "…\""},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}
