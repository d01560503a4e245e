package timer

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Ticker settings.
const (
	// Retick is how many past seconds every tick round repeats, covering
	// clock skew between the ticker and the processor.
	Retick = 10
	// MaxCatchUp bounds the seconds ticked after downtime.
	MaxCatchUp = 7 * 24 * time.Hour
)

// Ticker produces a Tick for every shard of every elapsed second. Its progress is kept in
// a cursor file so that seconds missed while it was down are ticked on
// start (up to MaxCatchUp). Several tickers may run: duplicate ticks are
// harmless.
type Ticker struct {
	// Client must partition like goka (kafka.NewProducer does).
	Client *kgo.Client
	// CursorFile keeps the last second ticked.
	CursorFile string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Run ticks once a second until ctx ends.
func (t Ticker) Run(ctx context.Context) error {
	now := t.now()
	last := t.readCursor(now)
	for {
		sec := t.now().Unix()
		if err := t.tick(ctx, max(last+1, sec-Retick), sec); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			slog.Warn("timer tick failed; retrying", "error", err)
		} else {
			last = sec
			t.writeCursor(last)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Until(time.Unix(sec+1, 0))):
		}
	}
}

// tick produces a Tick for every second in [from, to].
func (t Ticker) tick(ctx context.Context, from, to int64) error {
	value, err := proto.Marshal(&pb.TimerCommand{Kind: &pb.TimerCommand_Tick{Tick: &pb.Tick{}}})
	if err != nil {
		return err
	}
	var recs []*kgo.Record
	for sec := from; sec <= to; sec++ {
		for shard := range Shards {
			recs = append(recs, &kgo.Record{Topic: string(topics.TimerCommands), Key: []byte(bucketKey(sec, shard)), Value: value})
		}
	}
	if err := t.Client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("produce %d ticks: %w", len(recs), err)
	}
	return nil
}

func (t Ticker) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t Ticker) readCursor(now time.Time) int64 {
	floor := now.Add(-MaxCatchUp).Unix()
	data, err := os.ReadFile(t.CursorFile)
	if err != nil {
		// No cursor: a new data directory. Other tickers cover the past;
		// a deadline nobody ticked is re-driven by the orders reconciler.
		return now.Unix() - Retick
	}
	last, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || last < floor {
		return floor
	}
	return last
}

func (t Ticker) writeCursor(sec int64) {
	if err := os.WriteFile(t.CursorFile, []byte(strconv.FormatInt(sec, 10)), 0o644); err != nil {
		slog.Warn("could not save the timer cursor", "file", t.CursorFile, "error", err)
	}
}
