// Package natsjs is an eventstore.Store on NATS JetStream: the durable,
// distributed store for leadline, where other services subscribe to SLA
// breaches with plain NATS consumers.
//
// All records live in one JetStream stream (default "LEADLINE"), one
// subject per event stream (per lead) with the record Type as the last
// token: <prefix>.<stream>.<Type>, e.g. leadline.0192abc.DeadlineBreached.
// A consumer filters breaches with leadline.*.DeadlineBreached. The
// server enforces the expected version (the expected-last-subject-sequence
// check across <prefix>.<stream>.*), deduplicates by record ID
// (Nats-Msg-Id), and stores multi-record appends as one atomic batch
// (nats-server 2.12 or newer). README.md documents the wire format for
// consumers that are not written in Go.
//
// New takes the caller's jetstream.JetStream, so its connection's auth,
// TLS and reconnect options apply, creates the stream when it is missing
// and refuses one whose configuration would lose or refuse events. Store
// implements eventstore.BatchAppender. Messages on the stream's subjects
// that leadline did not write are delivered as records with Version 0,
// never as errors. README.md lists the NATS permissions the Engine's user
// and breach consumers need.
package natsjs
