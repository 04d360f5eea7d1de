//go:build !unix

package devtemporal

// lockDir is a no-op where flock is not available; the in-process guard in
// Start still refuses a second server on the same directory.
func lockDir(string) (release func(), err error) { return func() {}, nil }
