module github.com/leadline/leadline/internal/peerbench

go 1.26.0

require (
	github.com/hallgren/eventsourcing v0.9.1
	github.com/leadline/leadline v0.0.0
)

require (
	github.com/benbjohnson/clock v1.3.5 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/hallgren/eventsourcing/core v0.5.2 // indirect
	go.opentelemetry.io/otel v1.47.0 // indirect
	go.opentelemetry.io/otel/metric v1.47.0 // indirect
)

replace github.com/leadline/leadline => ../..
