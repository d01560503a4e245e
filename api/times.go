package api

import "time"

// rfc3339 formats Unix milliseconds as an RFC 3339 UTC time.
func rfc3339(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
}

func nowMs() int64 { return time.Now().UnixMilli() }
