package kafka

import (
	"hash/fnv"

	"github.com/twmb/franz-go/pkg/kgo"
)

// GokaPartitioner partitions records exactly like goka and sarama do
// (FNV-1a of the key, sarama's sign handling). franz-go's default (murmur2)
// would send a key to another partition than goka expects, silently
// splitting that key's state. Every franz-go producer writing to a topic a
// goka processor reads must use it.
func GokaPartitioner() kgo.Partitioner {
	return kgo.StickyKeyPartitioner(kgo.SaramaCompatHasher(fnv32a))
}

func fnv32a(b []byte) uint32 {
	h := fnv.New32a()
	_, _ = h.Write(b)
	return h.Sum32()
}
