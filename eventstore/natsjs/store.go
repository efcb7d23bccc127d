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

	mu    sync.Mutex
	cache *streamCache // lead stream -> what the Store knows of it
	acked uint64       // highest stream sequence this Store has seen acknowledged

	acks acks // where acknowledgements of appends arrive
}

var (
	_ eventstore.Store         = (*Store)(nil)
	_ eventstore.BatchAppender = (*Store)(nil)
)

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
// versions and sequences of (default 100000); when full it forgets the
// least recently used lead. For a lead it remembers, Load from one of its
// last few versions and Append read only what is new; for one it does not,
// an append costs one extra direct get and a Load reads the whole lead.
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
		cache:     newStreamCache(cfg.cacheSize),
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

// appendSeq returns the sequence an append at expected must name in its
// expected-last-subject-sequence check: that of the last message on the
// stream's subjects, when the Store knows the stream is at version
// expected. A stream the Store knows nothing of is taken to be empty; the
// server's check corrects that guess.
func (s *Store) appendSeq(stream string, expected uint64) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.cache.get(stream)
	switch {
	case ok && st.version == expected:
		return st.tail, true
	case !ok && expected == 0:
		return 0, true
	}
	return 0, false
}

// startOf returns the sequence of the record at version v of stream, when
// the Store knows it (0 for version 0).
func (s *Store) startOf(stream string, v uint64) (uint64, bool) {
	if v == 0 {
		return 0, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.cache.get(stream)
	if !ok {
		return 0, false
	}
	return st.seqOf(v)
}

// learn records that the records at places are in stream, and that the
// last message on its subjects has sequence at least tail.
func (s *Store) learn(stream string, tail uint64, places ...place) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acked = max(s.acked, tail)
	s.cache.update(stream, func(st *streamState) {
		for _, p := range places {
			st.add(p.version, p.seq)
		}
		st.tail = max(st.tail, tail)
	})
}

// floor returns the sequence a read of stream must reach to include every
// append this Store has seen acknowledged ("" for the whole stream).
func (s *Store) floor(stream string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if stream == "" {
		return s.acked
	}
	if st, ok := s.cache.get(stream); ok {
		return st.tail
	}
	return 0
}

// streamGone asks the server whether the JetStream stream still exists
// and still fits the store, and returns an error matching
// eventstore.ErrPermanent when it does not; nil when it does or when the
// server does not answer.
func (s *Store) streamGone(ctx context.Context, op string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	info, err := s.js.Stream(ctx, s.name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("natsjs: %s: JetStream stream %q does not exist (deleted underneath the store?): %w: %w", op, s.name, eventstore.ErrPermanent, jetstream.ErrStreamNotFound)
	}
	if err != nil {
		return nil
	}
	if err := s.check(info.CachedInfo().Config); err != nil {
		return fmt.Errorf("natsjs: %s: %w: %w", op, eventstore.ErrPermanent, err)
	}
	return nil
}

// missingStream turns an error that may mean "the stream is gone" into a
// clear one, by asking the server.
func (s *Store) missingStream(ctx context.Context, op string, err error) error {
	if gone := s.streamGone(ctx, op); gone != nil {
		return gone
	}
	return fmt.Errorf("natsjs: %s: %w", op, err)
}
