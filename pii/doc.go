// Package pii protects personal data (resident ID numbers, phone numbers,
// bank card numbers, names) at rest and in output.
//
// At rest: a Keyring encrypts each value with AES-256-GCM under a kind such
// as KindIDNumber. The kind is authenticated as additional data, so a
// ciphertext copied from a phone column fails to decrypt as an ID number.
// For exact look-up (find the worker with this ID number, enforce
// uniqueness), store Keyring.Hash of the normalised value next to the
// ciphertext and put a unique index on it; the hash is a keyed HMAC, so it
// cannot be reversed by enumerating the (small) space of ID or phone
// numbers without the key.
//
// Ciphertext format, version 1:
//
//	byte 0       format version (1)
//	byte 1       key id (1..255) of the key that encrypted it
//	bytes 2-13   random 96-bit GCM nonce
//	bytes 14-    AES-256-GCM ciphertext and 16-byte tag
//
// The additional data is the two header bytes followed by the kind, so the
// header cannot be altered either.
//
// Keys: one 32-byte master key per key id. HKDF-SHA256 derives from it an
// encryption key and a separate HMAC key. LoadKey obtains the master key
// from configuration or, in development, from a key file it creates.
//
// In output: the Mask* functions replace all but a documented part of a
// value with '*'. They never panic and never reveal more than documented,
// whatever the input.
//
// Normalise values (package ident) before hashing them; encrypt the
// normalised form too, so that what is decrypted is what was hashed.
package pii
