package kafka

import (
	"fmt"
	"sync"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
)

// cachedViewMaxValues bounds a CachedView's memory: when it holds this many
// values it starts again from none.
const cachedViewMaxValues = 100_000

// CachedView is a goka view that keeps the values it decoded until their
// key is updated, for tables read on every request (products, shops,
// warehouses, stock levels): a hit is a map lookup instead of a LevelDB
// read and a protobuf decode. It answers exactly what the view holds: an
// update forgets its key as it is stored, and a value read while any
// update was stored is not kept (it may be the one just replaced).
//
// Values returned by Get are shared between callers: never modify them.
type CachedView struct {
	*goka.View

	// mu is held while an update is stored and its key forgotten, so no
	// Get sees a key's new value in the view and its old one here.
	mu      sync.RWMutex
	updates uint64 // counts the updates stored, to detect one during a read
	values  map[string]any
}

// NewCachedView creates a cached view of table (see ViewOptions for name).
func (g Goka) NewCachedView(table goka.Table, codec goka.Codec, name string) (*CachedView, error) {
	c := &CachedView{values: map[string]any{}}
	store := fencedUpdate(g.Versions)
	update := func(ctx goka.UpdateContext, st storage.Storage, key string, value []byte) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.updates++
		delete(c.values, key)
		return store(ctx, st, key, value)
	}
	opts := append(g.ViewOptions(table, name), goka.WithViewCallback(update))
	v, err := goka.NewView(g.Brokers, table, codec, opts...)
	if err != nil {
		return nil, fmt.Errorf("view %s: %w", table, err)
	}
	c.View = v
	return c, nil
}

// Get returns key's decoded value (nil when absent), from memory when no
// update of key was stored since it was last decoded.
func (c *CachedView) Get(key string) (any, error) {
	c.mu.RLock()
	v, ok := c.values[key]
	updates := c.updates
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := c.View.Get(key)
	if err != nil || v == nil {
		return v, err
	}
	c.mu.Lock()
	if c.updates == updates {
		if len(c.values) >= cachedViewMaxValues {
			clear(c.values)
		}
		c.values[key] = v
	}
	c.mu.Unlock()
	return v, nil
}
