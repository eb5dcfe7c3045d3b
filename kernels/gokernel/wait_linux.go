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
