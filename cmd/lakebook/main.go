// Command lakebook is the notebook server. `lakebook serve` runs it; `lakebook kernel` is the Go
// kernel child process the server starts for each notebook session.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/lakebook/lakebook/kernels/gokernel"
)

func main() {
	if len(os.Args) < 2 {
		usage(os.Stderr)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		m := NewMain()
		if err := m.ParseFlags(os.Args[2:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				os.Exit(0)
			}
			fmt.Fprintln(os.Stderr, "lakebook:", err)
			os.Exit(2)
		}
		if err := m.Run(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "lakebook:", err)
			m.Close()
			os.Exit(1)
		}
		<-ctx.Done()
		if err := m.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "lakebook:", err)
			os.Exit(1)
		}
	case "kernel":
		os.Exit(gokernel.RunChild())
	case "help", "-h", "--help":
		usage(os.Stdout)
	default:
		fmt.Fprintf(os.Stderr, "lakebook: unknown command %q\n", os.Args[1])
		usage(os.Stderr)
		os.Exit(2)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, strings.TrimLeft(`
lakebook — notebooks of SQL, Go and Markdown over data in S3

Usage:
  lakebook serve [--addr 127.0.0.1:8080] [--dir ./workspace] [--allowed-origin URL]...
  lakebook kernel   (internal: the Go kernel process the server starts)

The token comes from LAKEBOOK_TOKEN; without it a random one is made and printed in the URL.
`, "\n"))
}
