// Package serve starts a real `lakebook serve` process for the benchmark commands.
package serve

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"regexp"
)

// Server is a running lakebook process.
type Server struct {
	// Host is host:port it listens on.
	Host  string
	token string
	cmd   *exec.Cmd
}

// Start runs bin serve on a free port over workspace dir with token, and extra flags; it
// returns once the server prints its URL.
func Start(bin, dir, token string, flags ...string) (*Server, error) {
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--dir", dir}, flags...)...)
	cmd.Env = append(os.Environ(), "LAKEBOOK_TOKEN="+token)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	m := regexp.MustCompile(`http://([^/\s]+)/`).FindStringSubmatch(line)
	if m == nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("no URL in %q", line)
	}
	return &Server{Host: m[1], token: token, cmd: cmd}, nil
}

// Pid is the server process's id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Close stops the process.
func (s *Server) Close() error {
	s.cmd.Process.Kill()
	s.cmd.Wait()
	return nil
}

// API calls the JSON API with the token and decodes the answer into out (when not nil); a
// failure ends the benchmark.
func (s *Server) API(method, path string, body, out any) {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, "http://"+s.Host+path, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		log.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		json.Unmarshal(b, out)
	}
}
