package system

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/lovoo/goka"
)

// SetupLogging installs the process-wide slog logger.
func SetupLogging(cfg Config, w io.Writer) {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	slog.SetDefault(slog.New(h))
}

// gokaLog sends goka's own log lines to slog at debug level (goka is chatty).
type gokaLog struct{ prefix string }

func gokaLogger() goka.Logger { return gokaLog{} }

func (l gokaLog) Print(v ...any)                 { slog.Debug(l.prefix + fmt.Sprint(v...)) }
func (l gokaLog) Println(v ...any)               { slog.Debug(l.prefix + fmt.Sprint(v...)) }
func (l gokaLog) Printf(format string, v ...any) { slog.Debug(l.prefix + fmt.Sprintf(format, v...)) }
func (l gokaLog) Debugf(format string, v ...any) { slog.Debug(l.prefix + fmt.Sprintf(format, v...)) }
func (l gokaLog) Prefix(p string) goka.Logger    { return gokaLog{prefix: l.prefix + p + " "} }
