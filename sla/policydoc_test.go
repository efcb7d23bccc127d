package sla

import (
	"os"
	"strings"
	"testing"
)

// Every whole policy file POLICY.md shows loads, so the page cannot show
// a field the format does not have.
func TestPolicyPageFilesLoad(t *testing.T) {
	page, err := os.ReadFile("POLICY.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, block := range strings.Split(string(page), "```json\n")[1:] {
		body, _, _ := strings.Cut(block, "```")
		if !strings.HasPrefix(body, "{") {
			continue // a fragment, such as a calendar
		}
		n++
		if _, err := ParseSet(strings.NewReader(body)); err != nil {
			t.Errorf("json block %d: %v\n%s", i+1, err, body)
		}
	}
	if n < 3 {
		t.Fatalf("found %d policy files on the page, want the segments, seed and marketing ones", n)
	}
}
