package lead

import (
	"sync/atomic"
	"time"
	"unsafe"
)

// timeLog is the memory behind a State's list of touch times (TouchTimes,
// UnansweredTimes), shared by the States of one history: each State's
// list is a prefix of it. Evolve must not change what the State it was
// given holds, and two States evolved from one must stay apart; a plain
// append would copy the list every time to be sure. A timeLog instead
// counts the slots that some State's list holds (used): a State whose
// list is its first used slots may claim the next one and write it in
// place, since no other State can see that slot; any other append (a
// second branch from the same State, a list that is not the log's)
// copies the list into a new log.
type timeLog struct {
	used  atomic.Int32
	times []time.Time // the log's whole array, allocated with it
}

// timeArray is a timeLog and its array in one allocation.
type timeArray[A any] struct {
	log timeLog
	a   A
}

// logRef refers to a timeLog from a State. It is a pointer to an empty
// array so that reflect.DeepEqual and fmt see nothing behind it: two
// States of the same history are equal whatever their bookkeeping (which
// branches claimed which slots). DeepEqual still tells nil from not nil,
// so a list that once had a log never goes back to nil: it refers to
// noLog when it has none.
type logRef = *[0]timeLog

// noLog is the ref of a list that had a log and has none now.
var noLog [0]timeLog

// logOf returns the log ref refers to, or nil.
func logOf(ref logRef) *timeLog {
	if ref == nil || ref == &noLog {
		return nil
	}
	return (*timeLog)(unsafe.Pointer(ref))
}

// detach returns the ref of a copy of a list whose ref is ref: the copy
// is in no log.
func detach(ref logRef) logRef {
	if ref == nil {
		return nil
	}
	return &noLog
}

// newTimeLog returns a log with room for at least n times: 8 (enough for
// most leads) or MaxTrackedTouches.
func newTimeLog(n int) *timeLog {
	if n <= 8 {
		x := new(timeArray[[8]time.Time])
		x.log.times = x.a[:]
		return &x.log
	}
	x := new(timeArray[[MaxTrackedTouches]time.Time])
	x.log.times = x.a[:]
	return &x.log
}

// appendTime returns times with t added at the end and the log that holds
// the result, given the log ref that may hold times. The result's
// capacity is its length, so that an append outside this package copies.
// A fold that owns the log (owned) writes it without claiming the slot,
// and settles the count when it hands its State out (settleLogs).
func appendTime(times []time.Time, ref logRef, t time.Time, owned bool) ([]time.Time, logRef) {
	n := len(times)
	if l := logOf(ref); l != nil && n < len(l.times) &&
		(n == 0 || &times[0] == &l.times[0]) && (owned || l.used.CompareAndSwap(int32(n), int32(n+1))) {
		l.times[n] = t
		return l.times[: n+1 : n+1], ref
	}
	l := newTimeLog(n + 1)
	copy(l.times, times)
	l.times[n] = t
	l.used.Store(int32(n + 1))
	return l.times[: n+1 : n+1], logRef(unsafe.Pointer(l))
}

// restart returns the log ref for a list that starts again empty, given
// ref, the ref of the list it replaces: no log, unless the fold owns ref's
// log (no State but its own has seen it), which then starts again from
// its first slot instead of a new log being allocated.
func restart(ref logRef, owned bool) logRef {
	if logOf(ref) != nil && owned {
		return ref // settleLogs sets its count
	}
	return detach(ref)
}

// settleLogs sets the count of the logs of s, which a fold that owned
// them wrote without claiming slots, to the lengths of its lists, before
// the fold hands s out.
func (s *State) settleLogs() {
	if l := logOf(s.touchLog); l != nil {
		l.used.Store(int32(len(s.TouchTimes)))
	}
	if l := logOf(s.unansweredLog); l != nil {
		l.used.Store(int32(len(s.UnansweredTimes)))
	}
}
