// Package s3test runs a real S3 server (versitygw, posix backend over a temp
// directory) for tests: the engine's object storage and the notebook stores use it.
// Besides tests, only benchmarks import it (Launch, for bench/tpch).
//
// The versitygw binary is built once with `go install` into
// <os.UserCacheDir()>/lakebook/bin (about 50–80 s the first time) and reused;
// concurrent builds (parallel test binaries) are serialized with a lock file.
// Set LAKEBOOK_VERSITYGW to use a binary you already have.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the versitygw release the helper builds.
const Version = "v1.8.0"

// Credentials the server is started with; Start sets them as
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the test (see Server.Env).
const (
	AccessKey = "lakebooktest"
	SecretKey = "lakebooktestsecret"
	Region    = "us-east-1"
	Bucket    = "lakebook-test"
)

// Server is a running versitygw.
type Server struct {
	Endpoint string // http://127.0.0.1:port
	Bucket   string
	Dir      string // posix root; the bucket is Dir/Bucket
	// Startup is how long the process took to accept connections.
	Startup time.Duration

	cmd       *exec.Cmd
	exited    chan error
	closeOnce sync.Once
}

// URL returns an objstore/gocloud URL for the bucket, with an optional key prefix.
func (s *Server) URL(prefix string) string {
	q := url.Values{}
	q.Set("endpoint", s.Endpoint)
	q.Set("use_path_style", "true")
	q.Set("region", Region)
	p := ""
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		p = "/" + prefix
	}
	return "s3://" + s.Bucket + p + "?" + q.Encode()
}

// Start runs versitygw on a free 127.0.0.1 port with a fresh bucket and
// returns the bucket URL. The process is stopped at cleanup.
func Start(t testing.TB) string {
	t.Helper()
	return StartServer(t).URL("")
}

// StartServer is Start returning the Server details. It launches the server
// on a temp directory, stops it at cleanup, and points the test's AWS
// environment at it (see Env).
func StartServer(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("s3test: skipping the versitygw server in -short mode")
	}
	s, err := Launch(filepath.Join(t.TempDir(), "root"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return s
}

// Launch runs versitygw on a free 127.0.0.1 port over the posix root dir
// (created if missing; it should hold no bucket yet) and creates the bucket
// Bucket in it. It is StartServer
// without a test: benchmarks use it. It leaves the process environment alone;
// an S3 client needs the variables Env lists. Close stops the server.
func Launch(dir string) (*Server, error) {
	s, err := launch(dir)
	if err != nil {
		return nil, fmt.Errorf("s3test: %w", err)
	}
	return s, nil
}

func launch(dir string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--access", AccessKey, "--secret", SecretKey, "--region", Region,
		"--port", addr, "--quiet", "posix", dir)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s := &Server{Bucket: Bucket, Dir: dir, cmd: cmd, exited: exited}
	if err := waitListening(addr, exited, 10*time.Second); err != nil {
		s.Close()
		return nil, fmt.Errorf("versitygw: %v\n%s", err, logs.String())
	}
	s.Endpoint = "http://" + addr
	s.Startup = time.Since(start)

	client := s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(Bucket)}); err != nil {
		s.Close()
		return nil, fmt.Errorf("create bucket: %v\n%s", err, logs.String())
	}
	return s, nil
}

// Env returns the AWS environment ("KEY=value") that points an S3 client
// (objstore, gocloud, the AWS SDK) at this server's credentials and region and
// away from any shared config or instance metadata of the machine.
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + SecretKey,
		"AWS_SESSION_TOKEN=",
		"AWS_REGION=" + Region,
		"AWS_PROFILE=",
		"AWS_CONFIG_FILE=" + filepath.Join(s.Dir, ".no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(s.Dir, ".no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Close stops the server (SIGTERM, then SIGKILL after 5 s). It is safe to
// call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	return nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(addr string, exited <-chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("exited before listening: %v", err)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening on %s after %s", addr, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Binary returns the path of a versitygw binary, building it if needed.
func Binary() (string, error) {
	if p := os.Getenv("LAKEBOOK_VERSITYGW"); p != "" {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	binDir := filepath.Join(cache, "lakebook", "bin")
	bin := filepath.Join(binDir, "versitygw")
	if ok(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(binDir, ".versitygw.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if ok(bin) { // built by someone else while we waited
		return bin, nil
	}
	// Build into a temp GOBIN, then rename: a killed build leaves no half binary.
	tmpBin, err := os.MkdirTemp(binDir, ".build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmpBin)
	cmd := exec.Command("go", "install", "github.com/versity/versitygw/cmd/versitygw@"+Version)
	cmd.Dir = tmpBin // outside any module
	cmd.Env = append(os.Environ(), "GOBIN="+tmpBin, "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build versitygw %s: %v\n%s", Version, err, out)
	}
	if err := os.Rename(filepath.Join(tmpBin, "versitygw"), bin); err != nil {
		return "", err
	}
	return bin, nil
}

func ok(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
