package natsjs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
)

// DefaultKeyBucket is the key-value bucket NewKeys keeps data keys in.
const DefaultKeyBucket = "LEADLINE_KEYS"

// erasedValue is what an erased stream's entry holds instead of its key:
// with one value kept per key (History 1), writing it removes the key.
var erasedValue = []byte("erased")

// What a JetStream key-value bucket name may be (validKey says what a
// key may be).
var validBucket = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// Keys is an eventstore.KeyStore in a JetStream key-value bucket: one
// entry per stream, holding its data key, or once the key is deleted a
// tombstone that says so. The bucket is apart from the event stream, so
// keys never travel with events: a consumer of the stream, or a backup of
// it, holds no key. It is safe for concurrent use. Create it with
// NewKeys.
type Keys struct {
	kv      jetstream.KeyValue
	bucket  string
	timeout time.Duration
}

var _ eventstore.KeyStore = (*Keys)(nil)

// KeysOption configures NewKeys.
type KeysOption func(*keysConfig) error

type keysConfig struct {
	bucket   string
	replicas int
	storage  jetstream.StorageType
	timeout  time.Duration
}

// WithKeyBucket sets the key-value bucket's name (default
// "LEADLINE_KEYS").
func WithKeyBucket(name string) KeysOption {
	return func(c *keysConfig) error {
		if !validBucket.MatchString(name) {
			return fmt.Errorf("natsjs: invalid key-value bucket name %q", name)
		}
		c.bucket = name
		return nil
	}
}

// WithKeyReplicas sets the replica count of a bucket NewKeys creates
// (default 1; use 3 in a cluster). A key lost with a lone server makes its
// lead's personal fields unreadable, like an erasure but without one.
func WithKeyReplicas(n int) KeysOption {
	return func(c *keysConfig) error {
		if n < 1 || n > 5 {
			return fmt.Errorf("natsjs: replicas must be 1..5, got %d", n)
		}
		c.replicas = n
		return nil
	}
}

// WithKeyMemoryStorage makes a bucket NewKeys creates keep its keys in
// server memory: lost when the servers restart, and with them every
// personal field they sealed. For tests.
func WithKeyMemoryStorage() KeysOption {
	return func(c *keysConfig) error {
		c.storage = jetstream.MemoryStorage
		return nil
	}
}

// WithKeyTimeout bounds each request to the server when the caller's
// context has no deadline (default: the JetStream handle's default).
func WithKeyTimeout(d time.Duration) KeysOption {
	return func(c *keysConfig) error {
		if d <= 0 {
			return fmt.Errorf("natsjs: timeout must be positive, got %v", d)
		}
		c.timeout = d
		return nil
	}
}

// NewKeys returns a key store on js's key-value bucket, creating the
// bucket when it does not exist, and refusing an existing one whose
// configuration would keep erased keys, lose keys or publish them, naming
// the setting.
func NewKeys(ctx context.Context, js jetstream.JetStream, opts ...KeysOption) (*Keys, error) {
	if js == nil {
		return nil, errors.New("natsjs: nil JetStream handle")
	}
	cfg := keysConfig{bucket: DefaultKeyBucket, replicas: 1, storage: jetstream.FileStorage, timeout: js.Options().DefaultTimeout}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.timeout <= 0 {
		cfg.timeout = 5 * time.Second
	}
	k := &Keys{bucket: cfg.bucket, timeout: cfg.timeout}
	ctx, cancel := k.withTimeout(ctx)
	defer cancel()
	kv, err := js.KeyValue(ctx, cfg.bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      cfg.bucket,
			Description: "leadline data keys",
			History:     1,
			Storage:     cfg.storage,
			Replicas:    cfg.replicas,
		})
		if errors.Is(err, jetstream.ErrBucketExists) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			kv, err = js.KeyValue(ctx, cfg.bucket) // created by a racing process
		}
	}
	if errors.Is(err, nats.ErrNoResponders) {
		err = fmt.Errorf("%w (nothing answers the JetStream API): %w", jetstream.ErrJetStreamNotEnabled, err)
	}
	if err != nil {
		return nil, fmt.Errorf("natsjs: open key-value bucket %q: %w", cfg.bucket, err)
	}
	stream, err := js.Stream(ctx, "KV_"+cfg.bucket)
	if err != nil {
		return nil, fmt.Errorf("natsjs: read key-value bucket %q: %w", cfg.bucket, err)
	}
	if err := checkKeyBucket(cfg.bucket, stream.CachedInfo().Config); err != nil {
		return nil, err
	}
	k.kv = kv
	return k, nil
}

// checkKeyBucket refuses a bucket configuration that would break the key
// store's promises: an erased key gone for good, a live key never lost,
// no key published anywhere.
func checkKeyBucket(bucket string, c jetstream.StreamConfig) error {
	bad := func(setting, why string) error {
		return fmt.Errorf("natsjs: key-value bucket %q cannot hold leadline data keys: %s %s", bucket, setting, why)
	}
	switch {
	case c.MaxMsgsPerSubject != 1:
		return bad("History", fmt.Sprintf("is %d; it must be 1, or an erased key outlives its erasure as an older revision", c.MaxMsgsPerSubject))
	case c.MaxAge > 0:
		return bad("TTL", fmt.Sprintf("is %v; it must be 0, or keys expire and their leads' personal fields with them", c.MaxAge))
	case c.MaxBytes > 0:
		return bad("MaxBytes", fmt.Sprintf("is %d; it must be unlimited, or new keys are refused", c.MaxBytes))
	case c.MaxMsgs > 0:
		return bad("MaxMsgs", fmt.Sprintf("is %d; it must be unlimited, or new keys are refused", c.MaxMsgs))
	case c.RePublish != nil:
		return bad("RePublish", "is set; it would publish every key on a subject")
	case c.Mirror != nil:
		return bad("Mirror", "is set; a mirror takes no writes")
	case len(c.Sources) > 0:
		return bad("Sources", "are set; keys must be written here only")
	case c.Sealed:
		return bad("Sealed", "is on; nothing can be written")
	}
	return nil
}

// Bucket returns the key-value bucket the keys are in.
func (k *Keys) Bucket() string { return k.bucket }

func (k *Keys) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, k.timeout)
}

func keyName(stream string) (string, error) {
	if !validKey(stream) {
		return "", fmt.Errorf("natsjs: stream %q is not a valid key-value key", stream)
	}
	return stream, nil
}

// Create implements eventstore.KeyStore. A racing Create of the same
// stream loses the server's create-if-absent check and returns the
// winner's key.
func (k *Keys) Create(ctx context.Context, stream string) ([]byte, error) {
	name, err := keyName(stream)
	if err != nil {
		return nil, err
	}
	ctx, cancel := k.withTimeout(ctx)
	defer cancel()
	key := eventstore.NewKey()
	_, err = k.kv.Create(ctx, name, key)
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, fmt.Errorf("natsjs: create key of %q: %w", stream, err)
	}
	return k.Get(ctx, stream)
}

// Get implements eventstore.KeyStore.
func (k *Keys) Get(ctx context.Context, stream string) ([]byte, error) {
	name, err := keyName(stream)
	if err != nil {
		return nil, err
	}
	ctx, cancel := k.withTimeout(ctx)
	defer cancel()
	e, err := k.kv.Get(ctx, name)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, fmt.Errorf("%w: stream %q in bucket %q", eventstore.ErrKeyNotFound, stream, k.bucket)
	case err != nil:
		return nil, fmt.Errorf("natsjs: get key of %q: %w", stream, err)
	case bytes.Equal(e.Value(), erasedValue):
		return nil, fmt.Errorf("%w: stream %q", eventstore.ErrKeyErased, stream)
	case len(e.Value()) != eventstore.KeySize:
		return nil, fmt.Errorf("natsjs: key of %q in bucket %q has %d bytes, not %d", stream, k.bucket, len(e.Value()), eventstore.KeySize)
	}
	return e.Value(), nil
}

// Delete implements eventstore.KeyStore: the entry's value becomes a
// tombstone, and with one revision kept per key the server drops the key.
func (k *Keys) Delete(ctx context.Context, stream string) error {
	name, err := keyName(stream)
	if err != nil {
		return err
	}
	ctx, cancel := k.withTimeout(ctx)
	defer cancel()
	if _, err := k.kv.Put(ctx, name, erasedValue); err != nil {
		return fmt.Errorf("natsjs: erase key of %q: %w", stream, err)
	}
	return nil
}
