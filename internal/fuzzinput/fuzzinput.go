// Package fuzzinput turns a fuzz target's bytes into the choices a rule
// fuzz test makes (which command next, what quantity), for the processors'
// fuzz tests of their pure rules.
package fuzzinput

import "encoding/binary"

// Reader reads a fuzz input a choice at a time; once the bytes run out it
// reads zeros.
type Reader struct{ b []byte }

// New reads data.
func New(data []byte) *Reader { return &Reader{b: data} }

// More reports whether unread bytes remain.
func (r *Reader) More() bool { return len(r.b) > 0 }

// Next is the next byte, or 0 past the end.
func (r *Reader) Next() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Quantity is mostly small and positive, sometimes zero, negative or any
// int64 at all.
func (r *Reader) Quantity() int64 {
	c := r.Next()
	switch c % 8 {
	case 0:
		var raw [8]byte
		for i := range raw {
			raw[i] = r.Next()
		}
		return int64(binary.LittleEndian.Uint64(raw[:]))
	case 1:
		return -int64(r.Next())
	default:
		return int64(c >> 3)
	}
}
