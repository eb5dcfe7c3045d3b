package gokernel

import "golang.org/x/sys/unix"

// waitExit blocks until process pid exits, without reaping it: while it is a zombie its pid and
// process group id cannot be reused, so the group can still be killed safely.
func waitExit(pid int) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// limitMemory caps the address space of process pid.
func limitMemory(pid int, bytes int64) error {
	lim := unix.Rlimit{Cur: uint64(bytes), Max: uint64(bytes)}
	return unix.Prlimit(pid, unix.RLIMIT_AS, &lim, nil)
}

// maxOpenFiles bounds the files a kernel may hold open: plenty for a notebook, and a loop that
// leaks them fails in the kernel instead of eating the system's table.
const maxOpenFiles = 4096

// limitFiles caps the open files of process pid at maxOpenFiles, unless its limit is lower.
func limitFiles(pid int) error {
	var cur unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &cur); err != nil {
		return err
	}
	lim := unix.Rlimit{Cur: min(cur.Cur, maxOpenFiles), Max: min(cur.Max, maxOpenFiles)}
	return unix.Prlimit(pid, unix.RLIMIT_NOFILE, &lim, nil)
}
