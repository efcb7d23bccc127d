package eventstore_test

import (
	"testing"

	"github.com/leadline/leadline/eventstore"
	"github.com/leadline/leadline/eventstore/storetest"
)

func TestMemoryKeysConformance(t *testing.T) {
	storetest.RunKeys(t, func(*testing.T) eventstore.KeyStore { return eventstore.NewMemoryKeys() })
}
