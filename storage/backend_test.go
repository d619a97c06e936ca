package storage

import (
	"os"
	"os/exec"
	"testing"

	"dutybot/pgtest"
)

// envBackend, set to "postgres", runs this package's tests on PostgreSQL:
// TestSuiteOnPostgres runs the whole suite again that way, so every test
// that is not about the bbolt file itself holds on both backends.
const envBackend = "DUTYBOT_TEST_BACKEND"

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func onPostgres() bool { return os.Getenv(envBackend) == "postgres" }

// boltOnly skips a test of the bbolt file itself (its lock, its pages, a
// file written by hand) in the PostgreSQL run.
func boltOnly(tb testing.TB) {
	tb.Helper()
	if onPostgres() {
		tb.Skip("about the bbolt file")
	}
}

// openPath opens the database a test keeps at path: that file, or in the
// PostgreSQL run a database named after it, so that a test that closes and
// reopens its database finds what it left.
func openPath(tb testing.TB, path string) (*DB, error) {
	tb.Helper()
	if !onPostgres() {
		return Open(path)
	}
	db, err := OpenPostgres(pgtest.Shared(tb).DSN(tb, pgtest.NameOf(path)), PGOptions{})
	if err == nil {
		db.path = path // what the test reopens by
	}
	return db, err
}

// TestSuiteOnPostgres runs this package's tests again on a real PostgreSQL
// server, in a child process of this test binary.
func TestSuiteOnPostgres(t *testing.T) {
	if onPostgres() {
		t.Skip("this is the PostgreSQL run")
	}
	srv := pgtest.Shared(t)
	args := []string{"-test.run=^Test", "-test.skip=^TestSuiteOnPostgres$", "-test.count=1"}
	if testing.Verbose() {
		args = append(args, "-test.v")
	}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envBackend+"=postgres", pgtest.EnvServer+"="+srv.Base())
	out, err := cmd.CombinedOutput()
	if err != nil || testing.Verbose() {
		t.Logf("the storage suite on PostgreSQL:\n%s", out)
	}
	if err != nil {
		t.Fatalf("the storage suite failed on PostgreSQL: %v", err)
	}
}
