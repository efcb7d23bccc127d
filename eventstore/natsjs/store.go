package natsjs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/leadline/leadline/eventstore"
)

// Defaults for the options.
const (
	DefaultStream          = "LEADLINE"
	DefaultSubjectPrefix   = "leadline"
	DefaultDuplicateWindow = 2 * time.Minute
	DefaultCacheSize       = 100_000
)

// Store is an eventstore.Store on a JetStream stream. It is safe for
// concurrent use. Create it with New.
type Store struct {
	js        jetstream.JetStream
	nc        *nats.Conn
	name      string // JetStream stream name
	prefix    string // subject prefix, e.g. "leadline"
	all       string // prefix + ".*.*", every leadline subject
	directAPI string // subject of the stream's direct get API
	timeout   time.Duration

	mu       sync.Mutex
	heads    map[string]head // lead stream -> last known version and sequence
	maxHeads int
	acked    uint64 // highest stream sequence this Store has seen acknowledged
}

// head is what the Store last learned about a lead stream: its version and
// the stream sequence of the record at that version.
type head struct {
	version uint64
	seq     uint64
}

var _ eventstore.Store = (*Store)(nil)

// Option configures New.
type Option func(*config) error

type config struct {
	stream     string
	prefix     string
	replicas   int
	duplicates time.Duration
	storage    jetstream.StorageType
	cacheSize  int
	timeout    time.Duration
}

// WithStream sets the JetStream stream name (default "LEADLINE").
func WithStream(name string) Option {
	return func(c *config) error {
		if name == "" || strings.ContainsAny(name, ".*> \t\r\n/\\") {
			return fmt.Errorf("natsjs: invalid JetStream stream name %q", name)
		}
		c.stream = name
		return nil
	}
}

// WithSubjectPrefix sets the first tokens of every subject (default
// "leadline"): records go to <prefix>.<stream>.<Type>. The prefix may hold
// several dot-separated tokens, none of them wildcards.
func WithSubjectPrefix(prefix string) Option {
	return func(c *config) error {
		for _, tok := range strings.Split(prefix, ".") {
			if tok == "" || strings.ContainsAny(tok, "*> \t\r\n") {
				return fmt.Errorf("natsjs: invalid subject prefix %q", prefix)
			}
		}
		c.prefix = prefix
		return nil
	}
}

// WithReplicas sets the replica count of a stream New creates (default 1;
// use 3 in a cluster). An existing stream keeps its own.
func WithReplicas(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 5 {
			return fmt.Errorf("natsjs: replicas must be 1..5, got %d", n)
		}
		c.replicas = n
		return nil
	}
}

// WithDuplicateWindow sets the server's duplicate window of a stream New
// creates (default 2 minutes): within it, a retried record ID is dropped
// by the server itself. Retries after it are still recognised (see
// Append), except the one case the README names.
func WithDuplicateWindow(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("natsjs: duplicate window must be positive, got %v", d)
		}
		c.duplicates = d
		return nil
	}
}

// WithMemoryStorage makes a stream New creates keep its messages in server
// memory instead of files: faster, and lost when the servers restart.
func WithMemoryStorage() Option {
	return func(c *config) error {
		c.storage = jetstream.MemoryStorage
		return nil
	}
}

// WithCacheSize bounds how many lead streams the Store remembers the
// version and sequence of (default 100000). A lead it does not remember
// costs one extra read before an append with an expected version above 0.
func WithCacheSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("natsjs: cache size must be positive, got %d", n)
		}
		c.cacheSize = n
		return nil
	}
}

// WithTimeout bounds each request to the server when the caller's context
// has no deadline (default: the JetStream handle's default timeout).
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("natsjs: timeout must be positive, got %v", d)
		}
		c.timeout = d
		return nil
	}
}

// New returns a Store on js, the caller's JetStream handle, so its
// connection's auth, TLS and reconnect options apply. It creates the
// stream when it does not exist, and refuses an existing stream whose
// configuration would break the store's guarantees, naming the setting.
// Errors reaching the server are returned, wrapped, never retried away.
func New(ctx context.Context, js jetstream.JetStream, opts ...Option) (*Store, error) {
	if js == nil {
		return nil, errors.New("natsjs: nil JetStream handle")
	}
	cfg := config{
		stream:     DefaultStream,
		prefix:     DefaultSubjectPrefix,
		replicas:   1,
		duplicates: DefaultDuplicateWindow,
		storage:    jetstream.FileStorage,
		cacheSize:  DefaultCacheSize,
		timeout:    js.Options().DefaultTimeout,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.timeout <= 0 {
		cfg.timeout = 5 * time.Second
	}
	nc := js.Conn()
	if nc == nil {
		return nil, errors.New("natsjs: JetStream handle has no connection")
	}
	if nc.IsClosed() {
		return nil, fmt.Errorf("natsjs: connection is closed: %w", nats.ErrConnectionClosed)
	}
	s := &Store{
		js:        js,
		nc:        nc,
		name:      cfg.stream,
		prefix:    cfg.prefix,
		all:       cfg.prefix + ".*.*",
		directAPI: apiPrefix(js.Options()) + "DIRECT.GET." + cfg.stream,
		timeout:   cfg.timeout,
		heads:     make(map[string]head),
		maxHeads:  cfg.cacheSize,
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	stream, err := js.Stream(ctx, cfg.stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		stream, err = js.CreateStream(ctx, s.streamConfig(cfg))
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			stream, err = js.Stream(ctx, cfg.stream) // created by a racing process
		}
	}
	if errors.Is(err, nats.ErrNoResponders) {
		err = fmt.Errorf("%w (nothing answers the JetStream API): %w", jetstream.ErrJetStreamNotEnabled, err)
	}
	if err != nil {
		return nil, fmt.Errorf("natsjs: open JetStream stream %q on %s: %w", cfg.stream, nc.ConnectedUrlRedacted(), err)
	}
	if err := s.check(stream.CachedInfo().Config); err != nil {
		return nil, err
	}
	return s, nil
}

// streamConfig is the configuration New creates a stream with.
func (s *Store) streamConfig(cfg config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:               cfg.stream,
		Description:        "leadline event store",
		Subjects:           []string{s.all},
		Retention:          jetstream.LimitsPolicy,
		MaxConsumers:       -1,
		MaxMsgs:            -1,
		MaxBytes:           -1,
		MaxAge:             0,
		MaxMsgsPerSubject:  -1,
		MaxMsgSize:         -1,
		Discard:            jetstream.DiscardOld,
		Storage:            cfg.storage,
		Replicas:           cfg.replicas,
		Duplicates:         cfg.duplicates,
		AllowDirect:        true,
		AllowAtomicPublish: true,
		DenyDelete:         true,
		DenyPurge:          true,
	}
}

// check refuses a stream configuration that would lose, rewrite or refuse
// leadline's records.
func (s *Store) check(c jetstream.StreamConfig) error {
	bad := func(setting, why string) error {
		return fmt.Errorf("natsjs: stream %q cannot hold leadline events: %s %s", c.Name, setting, why)
	}
	switch {
	case !coversAll(c.Subjects, s.all):
		return bad("Subjects", fmt.Sprintf("%q do not cover %q", c.Subjects, s.all))
	case c.Retention != jetstream.LimitsPolicy:
		return bad("Retention", fmt.Sprintf("is %s; it must be limits, or acknowledged events are deleted", c.Retention))
	case c.MaxMsgs > 0:
		return bad("MaxMsgs", fmt.Sprintf("is %d; it must be unlimited (-1), or events are deleted or refused", c.MaxMsgs))
	case c.MaxBytes > 0:
		return bad("MaxBytes", fmt.Sprintf("is %d; it must be unlimited (-1), or events are deleted or refused", c.MaxBytes))
	case c.MaxAge > 0:
		return bad("MaxAge", fmt.Sprintf("is %v; it must be 0 (unlimited), or events expire", c.MaxAge))
	case c.MaxMsgsPerSubject > 0:
		return bad("MaxMsgsPerSubject", fmt.Sprintf("is %d; it must be unlimited (-1), or a lead's events are deleted", c.MaxMsgsPerSubject))
	case !c.AllowAtomicPublish:
		return bad("AllowAtomicPublish", "is off; multi-event appends need atomic batch publish (nats-server 2.12+)")
	case !c.AllowDirect:
		return bad("AllowDirect", "is off; Load and Read use direct gets")
	case c.AllowRollup:
		return bad("AllowRollup", "is on; a rollup header would delete a lead's events")
	case c.AllowMsgCounter:
		return bad("AllowMsgCounter", "is on; a counter stream rewrites payloads")
	case c.Sealed:
		return bad("Sealed", "is on; nothing can be appended")
	case c.Mirror != nil:
		return bad("Mirror", "is set; a mirror takes no appends")
	case c.SubjectTransform != nil:
		return bad("SubjectTransform", "is set; stored subjects must be the ones published")
	}
	return nil
}

// coversAll reports whether some subject in subjects matches every subject
// that want (a pattern) matches.
func coversAll(subjects []string, want string) bool {
	w := strings.Split(want, ".")
	for _, s := range subjects {
		if subsetMatch(w, strings.Split(s, ".")) {
			return true
		}
	}
	return false
}

func subsetMatch(want, pat []string) bool {
	for i, p := range pat {
		if p == ">" {
			return i < len(want)
		}
		if i >= len(want) {
			return false
		}
		if p != "*" && p != want[i] {
			return false
		}
	}
	return len(pat) == len(want)
}

func apiPrefix(o jetstream.JetStreamOptions) string {
	switch {
	case o.Domain != "":
		return "$JS." + o.Domain + ".API."
	case o.APIPrefix != "":
		return strings.TrimSuffix(o.APIPrefix, ".") + "."
	}
	return jetstream.DefaultAPIPrefix
}

// StreamName returns the JetStream stream the Store keeps records in.
func (s *Store) StreamName() string { return s.name }

// Subject returns the subject a record of type typ in stream goes to:
// <prefix>.<stream>.<typ>.
func (s *Store) Subject(stream, typ string) string {
	return s.prefix + "." + stream + "." + typ
}

// SubjectFilter returns the wildcard subject that every record of type typ
// matches, across all streams: <prefix>.*.<typ>, e.g.
// "leadline.*.DeadlineBreached".
func (s *Store) SubjectFilter(typ string) string {
	return s.prefix + ".*." + typ
}

func (s *Store) streamSubjects(stream string) string {
	return s.prefix + "." + stream + ".*"
}

func (s *Store) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// known returns the sequence of the record at version v of stream, when
// the Store knows it. Version 0 is sequence 0: no message on the subjects.
func (s *Store) known(stream string, v uint64) (uint64, bool) {
	if v == 0 {
		return 0, true
	}
	s.mu.Lock()
	h, ok := s.heads[stream]
	s.mu.Unlock()
	if ok && h.version == v {
		return h.seq, true
	}
	return 0, false
}

// learn records that stream is at least at version v, whose record has
// sequence seq.
func (s *Store) learn(stream string, v, seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq > s.acked {
		s.acked = seq
	}
	if h, ok := s.heads[stream]; ok && h.version >= v {
		return
	}
	if len(s.heads) >= s.maxHeads {
		for k := range s.heads { // evict an arbitrary entry
			delete(s.heads, k)
			break
		}
	}
	s.heads[stream] = head{version: v, seq: seq}
}

// floor returns the sequence a read of stream must reach to include every
// append this Store has seen acknowledged ("" for the whole stream).
func (s *Store) floor(stream string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if stream == "" {
		return s.acked
	}
	return s.heads[stream].seq
}

// missingStream turns an error that may mean "the stream is gone" into a
// clear one, by asking the server.
func (s *Store) missingStream(ctx context.Context, op string, err error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	if _, serr := s.js.Stream(ctx, s.name); errors.Is(serr, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("natsjs: %s: JetStream stream %q does not exist (deleted underneath the store?): %w", op, s.name, jetstream.ErrStreamNotFound)
	}
	return fmt.Errorf("natsjs: %s: %w", op, err)
}
