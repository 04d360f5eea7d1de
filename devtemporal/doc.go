// Package devtemporal runs a complete Temporal server (frontend, history,
// matching and worker services) inside the current process, persisted in a
// SQLite file.
//
// It is the Temporal of the one-machine default (`anxin dev`), whose cases
// must survive a restart, and of end-to-end tests, which use an in-memory
// database instead of a file. Beyond one machine, anxin talks to a real
// Temporal cluster and this package is not used.
//
// The set-up follows the server module's own lite server
// (go.temporal.io/server/temporaltest/internal): the sqlite persistence
// plugin for both the default and the visibility store, one history shard,
// the schema created from the server's embedded SQLite schema when the file
// is new, and the namespace written straight into the database before the
// server starts. On top of that:
//
//   - the data directory is locked (flock on <DataDir>/temporal/lock), so
//     one file never has two servers;
//   - the membership rows of the previous run are deleted at start, or the
//     services would try to join their dead predecessors for 30 s;
//   - Start returns only when frontend, matching and history all answer;
//   - the server's own log goes to slog from warn level up, and what it logs
//     while starting and stopping (services complaining about each other)
//     is dropped unless the start fails;
//   - a few dynamic config values differ from the server's defaults: see
//     dynamicConfig.
package devtemporal
