// Package clickhouse embeds the ClickHouse schema of the analytics sink:
// numbered migrations NNNN_name.sql, applied in order by
// sinks/clickhouse.Migrate and recorded in schema_migrations.
//
// File format: statements end with ";" at the end of a line; lines starting
// with "--" are comments. A first comment "-- min_version: X.Y" skips the
// migration on servers older than X.Y (it stays unrecorded and runs once
// the server is new enough). Every statement must be safe to run twice
// (IF NOT EXISTS, guarded INSERTs, idempotent ALTERs): a migration
// interrupted before it is recorded runs again whole.
package clickhouse

import "embed"

// Files holds the migrations, NNNN_name.sql.
//
//go:embed *.sql
var Files embed.FS
