package clock_test

import (
	"fmt"
	"time"

	"github.com/leadline/leadline/clock"
)

// A mock clock moves only when the test moves it, and fires the timers it
// passes on the way.
func ExampleNewMock() {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := clock.NewMock(start)

	t := c.Timer(8 * time.Hour)
	c.Add(8 * time.Hour)
	fired := <-t.C

	fmt.Println(c.Now().Format(time.DateTime))
	fmt.Println(fired.Sub(start))
	// Output:
	// 2026-03-02 17:00:00
	// 8h0m0s
}
