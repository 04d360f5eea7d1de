package db

import (
	"github.com/pressly/goose/v3/lock"
)

// migrationLockID is the advisory-lock key that serialises migrations
// across processes ("anxin" in ASCII).
const migrationLockID int64 = 0x616e78696e

func mustLocker() lock.SessionLocker {
	l, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID))
	if err != nil {
		panic(err)
	}
	return l
}
