package clickhouse

// SetAfterInsert installs a hook run after a batch is stored and before
// its offsets are committed; an error from it stops Run there, as a crash would.
func SetAfterInsert(s *Sink, f func() error) { s.afterInsert = f }
