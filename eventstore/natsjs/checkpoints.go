package natsjs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultCheckpointBucket is the key-value bucket NewCheckpoints uses when
// given none.
const DefaultCheckpointBucket = "LEADLINE_CHECKPOINTS"

// checkpointChunk is the most bytes one value holds: well under the
// server's default max payload (1 MiB).
const checkpointChunk = 512 << 10

// Checkpoints keeps a leadline Engine's checkpoints (leadline.Checkpoints)
// in a JetStream key-value bucket, under one key. A checkpoint is larger
// than one NATS message may be, so it is kept in chunks: the values
// <key>.a.<n> or <key>.b.<n>, and under <key> a manifest that names the
// half in use, its size and its SHA-256. Save writes the half not in use
// and then the manifest, so a Load sees the old checkpoint or the new one;
// a Load that meets a half being rewritten sees a digest mismatch and
// reads again. Give each Engine that saves its own key.
//
// The bucket holds no events: losing it costs the next restart a full
// read of the store, nothing else.
type Checkpoints struct {
	kv    jetstream.KeyValue
	key   string
	chunk int
}

// manifest is the value under the key: which half holds the checkpoint.
type manifest struct {
	Format int            `json:"format"`
	Half   string         `json:"half"`
	Size   int            `json:"size"`
	SHA256 string         `json:"sha256"`
	Chunks map[string]int `json:"chunks"` // chunks written to each half
}

// NewCheckpoints returns Checkpoints under key in bucket ("" for
// DefaultCheckpointBucket), on js, the caller's JetStream handle. It
// creates the bucket (history 1, file storage, one replica) when it does
// not exist; an existing bucket keeps its own replicas, and is refused,
// naming the setting, when its configuration would expire or refuse
// checkpoints.
func NewCheckpoints(ctx context.Context, js jetstream.JetStream, bucket, key string) (*Checkpoints, error) {
	if js == nil {
		return nil, errors.New("natsjs: nil JetStream handle")
	}
	if bucket == "" {
		bucket = DefaultCheckpointBucket
	}
	if !validKey(key) {
		return nil, fmt.Errorf("natsjs: invalid checkpoint key %q: want letters, digits and '-', '_', '=', '/', '.' between tokens", key)
	}
	c := &Checkpoints{key: key, chunk: checkpointChunk}
	if nc := js.Conn(); nc != nil {
		if max := int(nc.MaxPayload()) - 4096; max > 0 && max < c.chunk {
			c.chunk = max
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	kv, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      bucket,
			Description: "leadline Engine checkpoints",
			History:     1,
			Storage:     jetstream.FileStorage,
			Replicas:    1,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, bucket) // created by a racing process
		}
	}
	if errors.Is(err, nats.ErrNoResponders) {
		err = fmt.Errorf("%w (nothing answers the JetStream API): %w", jetstream.ErrJetStreamNotEnabled, err)
	}
	if err != nil {
		return nil, fmt.Errorf("natsjs: open key-value bucket %q: %w", bucket, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("natsjs: key-value bucket %q: %w", bucket, err)
	}
	if err := c.check(st.Config()); err != nil {
		return nil, err
	}
	c.kv = kv
	return c, nil
}

// check refuses a bucket configuration that would expire checkpoints or
// refuse their chunks.
func (c *Checkpoints) check(cfg jetstream.KeyValueConfig) error {
	bad := func(setting, why string) error {
		return fmt.Errorf("natsjs: key-value bucket %q cannot hold checkpoints: %s %s", cfg.Bucket, setting, why)
	}
	switch {
	case cfg.TTL > 0:
		return bad("TTL", fmt.Sprintf("is %v; it must be 0, or checkpoints expire", cfg.TTL))
	case cfg.MaxValueSize > 0 && int(cfg.MaxValueSize) < c.chunk:
		return bad("MaxValueSize", fmt.Sprintf("is %d; it must be unlimited (-1) or at least %d, the size of a chunk", cfg.MaxValueSize, c.chunk))
	case cfg.Mirror != nil:
		return bad("Mirror", "is set; a mirror takes no writes")
	}
	return nil
}

// validKey reports whether key is a valid key-value key that leaves room
// for the chunk suffixes.
func validKey(key string) bool {
	if key == "" || len(key) > 200 || strings.HasPrefix(key, ".") || strings.HasSuffix(key, ".") || strings.Contains(key, "..") {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-/_=.", c) >= 0) {
			return false
		}
	}
	return true
}

func (c *Checkpoints) chunkKey(half string, i int) string {
	return c.key + "." + half + "." + strconv.Itoa(i)
}

// manifest returns the manifest saved under the key, or nil.
func (c *Checkpoints) manifest(ctx context.Context) (*manifest, error) {
	e, err := c.kv.Get(ctx, c.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("natsjs: checkpoint manifest %q: %w", c.key, err)
	}
	var m manifest
	if err := json.Unmarshal(e.Value(), &m); err != nil || m.Format != 1 || (m.Half != "a" && m.Half != "b") || m.Chunks[m.Half] < 0 {
		return nil, fmt.Errorf("natsjs: checkpoint manifest %q: %w", c.key, errManifest)
	}
	return &m, nil
}

// errManifest is a manifest this version does not read: Load reports it,
// Save writes over it.
var errManifest = errors.New("not a manifest this version reads")

// Load returns the checkpoint saved last, or nil when none is saved.
func (c *Checkpoints) Load(ctx context.Context) ([]byte, error) {
	var err error
	// A Save may rewrite the half being read; the digest tells, and the
	// next attempt reads the half the new manifest names.
	for range 3 {
		var data []byte
		if data, err = c.load(ctx); err == nil || ctx.Err() != nil {
			return data, err
		}
	}
	return nil, err
}

func (c *Checkpoints) load(ctx context.Context) ([]byte, error) {
	m, err := c.manifest(ctx)
	if m == nil || err != nil {
		return nil, err
	}
	data := make([]byte, 0, m.Size)
	for i := range m.Chunks[m.Half] {
		e, err := c.kv.Get(ctx, c.chunkKey(m.Half, i))
		if err != nil {
			return nil, fmt.Errorf("natsjs: checkpoint chunk %d of %q: %w", i, c.key, err)
		}
		data = append(data, e.Value()...)
	}
	sum := sha256.Sum256(data)
	if len(data) != m.Size || !bytes.Equal(sum[:], mustHex(m.SHA256)) {
		return nil, fmt.Errorf("natsjs: checkpoint %q does not match its manifest's size and digest", c.key)
	}
	return data, nil
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// Save writes data to the half of the bucket not in use, then the
// manifest that names it.
func (c *Checkpoints) Save(ctx context.Context, data []byte) error {
	m, err := c.manifest(ctx)
	if err != nil && !errors.Is(err, errManifest) {
		return err
	}
	next := manifest{Format: 1, Half: "a", Size: len(data), Chunks: map[string]int{}}
	if m != nil {
		next.Chunks = m.Chunks
		if m.Half == "a" {
			next.Half = "b"
		}
	}
	before := next.Chunks[next.Half]
	n := 0
	for off := 0; off < len(data); off += c.chunk {
		if _, err := c.kv.Put(ctx, c.chunkKey(next.Half, n), data[off:min(off+c.chunk, len(data))]); err != nil {
			return fmt.Errorf("natsjs: save checkpoint chunk %d of %q: %w", n, c.key, err)
		}
		n++
	}
	next.Chunks = map[string]int{"a": next.Chunks["a"], "b": next.Chunks["b"]}
	next.Chunks[next.Half] = n
	sum := sha256.Sum256(data)
	next.SHA256 = hex.EncodeToString(sum[:])
	b, err := json.Marshal(next)
	if err != nil {
		return err
	}
	if _, err := c.kv.Put(ctx, c.key, b); err != nil {
		return fmt.Errorf("natsjs: save checkpoint manifest %q: %w", c.key, err)
	}
	// Chunks past the new end are never read; drop them so the bucket
	// does not keep an old, larger checkpoint's tail.
	for i := n; i < before; i++ {
		if err := c.kv.Purge(ctx, c.chunkKey(next.Half, i)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("natsjs: drop old checkpoint chunk %d of %q: %w", i, c.key, err)
		}
	}
	return nil
}
