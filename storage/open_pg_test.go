package storage

import (
	"strings"
	"testing"
)

// A connection string that does not parse, or names a server that does
// not answer, is refused without its password in the error.
func TestOpenPostgresKeepsThePasswordOut(t *testing.T) {
	for _, dsn := range []string{
		"postgres://dutybot:s3cret-pw@127.0.0.1:notaport/dutybot",
		"host=127.0.0.1 port=1 user=dutybot password=s3cret-pw dbname=dutybot connect_timeout=1",
		"postgres://dutybot:s3cret-pw@127.0.0.1:1/dutybot?connect_timeout=1",
	} {
		db, err := OpenPostgres(dsn, PGOptions{})
		if err == nil {
			db.Close()
			t.Fatalf("%q opened", dsn)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error quotes the password: %v", err)
		}
		t.Log(err)
	}
}
