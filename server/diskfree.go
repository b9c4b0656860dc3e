package server

import "syscall"

// diskFree returns the bytes available to unprivileged users on the file
// system holding dir, or -1 if it cannot be read.
func diskFree(dir string) float64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return float64(st.Bavail) * float64(st.Bsize)
}
