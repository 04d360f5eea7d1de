// Package api is the HTTP API of Anxin: a Fiber app serving /api/v1 with
// JSON bodies, one error handler that maps domain errors to stable codes
// and Chinese messages, the OpenAPI document built from the same route
// table the app is served from, and the registry handlers.
//
// Handlers never write error bodies themselves: they return *Error (or a
// db error kind) and the error handler renders
// {"error": {"code": "...", "message": "...", "fields": {...}}}.
// Every list and get takes the caller's Scope so that row scope is decided
// in SQL (see Scope).
package api
