package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lakebook/lakebook/engine/objstore"
)

// s3Prefix is where the tables go in the bucket: tpch/<table>/….
const s3Prefix = "tpch"

// upload copies the Parquet files of every table under dir to store as tpch/<table>/…,
// with a few uploads in flight. It returns the bytes uploaded.
func upload(ctx context.Context, store *objstore.Store, dir string) (int64, error) {
	var files []string
	for _, t := range tables {
		err := filepath.WalkDir(filepath.Join(dir, t.Name), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".parquet") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		total int64
		first error
		wg    sync.WaitGroup
		work  = make(chan string)
	)
	for range 4 {
		wg.Go(func() {
			for p := range work {
				data, err := os.ReadFile(p)
				if err == nil {
					rel, _ := filepath.Rel(dir, p)
					err = store.Put(ctx, s3Prefix+"/"+filepath.ToSlash(rel), data)
				}
				mu.Lock()
				if err != nil && first == nil {
					first = err
					cancel()
				}
				total += int64(len(data))
				mu.Unlock()
			}
		})
	}
	for _, p := range files {
		select {
		case work <- p:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if first != nil {
		return 0, first
	}
	return total, ctx.Err()
}

// transferRate downloads every object under prefix with objstore.Download into a temp
// directory, streams at a time, and returns the bytes and the time it took.
func transferRate(ctx context.Context, store *objstore.Store, prefix string, streams int) (int64, time.Duration, error) {
	objs, err := store.List(ctx, prefix)
	if err != nil {
		return 0, 0, err
	}
	tmp, err := os.MkdirTemp("", "tpch-rate-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(tmp)
	var (
		total int64
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		work  = make(chan int)
	)
	start := time.Now()
	for range streams {
		wg.Go(func() {
			for i := range work {
				o := objs[i]
				err := store.Download(ctx, o.Key, filepath.Join(tmp, fmt.Sprint(i)), o.Size, o.ETag)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				total += o.Size
				mu.Unlock()
			}
		})
	}
	for i := range objs {
		work <- i
	}
	close(work)
	wg.Wait()
	return total, time.Since(start), first
}
