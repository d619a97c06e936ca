// Package pgtest runs a real PostgreSQL server for tests: Debian's
// postgresql package, initialised in a temporary directory and listening
// on a free loopback port, one server per test binary, one new database
// per test. DUTYBOT_TEST_PG names a running server instead
// (host=… port=… user=…, without dbname), as a parent test hands its
// server to a child process.
package pgtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvServer names a running server to use instead of starting one.
const EnvServer = "DUTYBOT_TEST_PG"

// Server is a PostgreSQL server started for tests.
type Server struct {
	Dir  string // data directory
	Port int
	bin  string
	cmd  *exec.Cmd
	cred *syscall.Credential
	base string // connection string without dbname
	mu   sync.Mutex
	dbs  map[string]bool
}

var (
	shared     *Server
	sharedErr  error
	sharedOnce sync.Once
)

// Main runs a package's tests and stops the shared server after them;
// call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil && shared.Dir != "" {
		shared.Remove()
	}
	return code
}

// Shared returns the test binary's server, starting it at the first call.
// It fails the test when PostgreSQL is not installed: the postgres tests
// are part of the suite, and .ci/run installs the server.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	sharedOnce.Do(func() {
		if env := os.Getenv(EnvServer); env != "" {
			shared = &Server{base: env, dbs: map[string]bool{}}
			return
		}
		shared, sharedErr = Start(Options{})
	})
	if sharedErr != nil {
		tb.Fatalf("start PostgreSQL for the tests: %v", sharedErr)
	}
	return shared
}

// Options adjusts Start.
type Options struct {
	// Durable keeps fsync on, for figures that must include the disk;
	// tests turn it off.
	Durable bool
}

// BinDir finds the directory of Debian's PostgreSQL server programs.
func BinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL's server is not installed: install Debian's postgresql package (.ci/run does)")
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// Start initialises and starts a new server in a temporary directory.
func Start(o Options) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dutybot-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bin: bin, dbs: map[string]bool{}}
	if os.Geteuid() == 0 {
		// The server refuses to run as root: run it as Debian's postgres
		// user, who must own its directory.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s.Port = port
	fsync := "off"
	if o.Durable {
		fsync = "on"
	}
	conf := fmt.Sprintf("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nfsync = %s\n"+
		"synchronous_commit = %s\nfull_page_writes = %s\nmax_connections = 200\nshared_buffers = 128MB\n",
		port, dir, fsync, fsync, fsync)
	if err := appendFile(filepath.Join(data, "postgresql.conf"), conf); err != nil {
		return nil, err
	}
	s.base = fmt.Sprintf("host=127.0.0.1 port=%d user=postgres sslmode=disable", port)
	if err := s.Resume(); err != nil {
		return nil, err
	}
	return s, nil
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *Server) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	cmd.Dir = s.Dir
	return cmd.CombinedOutput()
}

// Resume starts the server's process (again, after Stop) and waits until
// it accepts connections.
func (s *Server) Resume() error {
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", filepath.Join(s.Dir, "data"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, s.base+" dbname=postgres")
		cancel()
		if err == nil {
			c.Close(context.Background())
			return nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("postgres did not start: %v; its log: %s", err, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server fast (it can be resumed), as a managed database's
// restart or failover does to its clients.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown: sessions end
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// Remove stops the server and deletes its directory.
func (s *Server) Remove() {
	s.Stop()
	if s.Dir != "" {
		os.RemoveAll(s.Dir)
	}
}

// Base is the connection string without a database, for EnvServer.
func (s *Server) Base() string { return s.base }

// DSN returns the connection string of the database name, creating it
// empty the first time it is asked for.
func (s *Server) DSN(tb testing.TB, name string) string {
	tb.Helper()
	dsn, err := s.Database(name)
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

// Database is DSN without a test: for load tools.
func (s *Server) Database(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dbs[name] {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, s.base+" dbname=postgres")
		if err != nil {
			return "", fmt.Errorf("connect to the test server: %w", err)
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return "", fmt.Errorf("drop database %s: %w", name, err)
		}
		if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", fmt.Errorf("create database %s: %w", name, err)
		}
		s.dbs[name] = true
	}
	return s.base + " dbname=" + name, nil
}

// NewDSN returns the connection string of a new, empty database for tb.
func NewDSN(tb testing.TB) string {
	tb.Helper()
	return Shared(tb).DSN(tb, NameOf(tb.Name()+"/"+strconv.FormatInt(time.Now().UnixNano(), 36)))
}

// NameOf turns any key (a test's file path, say) into a database name.
func NameOf(key string) string {
	h := sha256.Sum256([]byte(key))
	return "t_" + strings.ToLower(hex.EncodeToString(h[:10]))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
