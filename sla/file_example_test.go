package sla_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing/fstest"
	"time"
	_ "time/tzdata"

	"github.com/leadline/leadline/lead"
	"github.com/leadline/leadline/sla"
)

const berlinFile = `{
  "policies": [
    {
      "version": 2,
      "accept": {
        "within": "8h",
        "business": true,
        "ladder": [
          {"after": "0s", "action": "escalate"},
          {"after": "4h", "action": "return"}
        ]
      },
      "qualify": {"within": "96h", "ladder": [{"after": "0s", "action": "return"}]},
      "warnings": [0.5, 0.9],
      "calendar": {
        "zone": "Europe/Berlin",
        "week": {
          "mon": ["09:00-12:00", "13:00-17:00"],
          "tue": ["09:00-12:00", "13:00-17:00"]
        },
        "holidays": ["2026-12-25"]
      }
    }
  ]
}`

func ExampleParsePolicies() {
	ps, err := sla.ParsePolicies(strings.NewReader(berlinFile))
	if err != nil {
		fmt.Println(err)
		return
	}
	p := ps[0]
	fmt.Println("version", p.Version, "accept within", p.Accept.Within, "business:", p.Accept.Business)
	fmt.Println("zone", p.Calendar.Location, "monday", p.Calendar.Week[time.Monday], "holidays", p.Calendar.Holidays)
	// Monday 16:00 in Berlin: one business hour that day, the rest on Tuesday.
	handed := time.Date(2026, time.March, 9, 16, 0, 0, 0, p.Calendar.Location)
	fmt.Println("accept due", p.Calendar.Add(handed, p.Accept.Within).Format("Mon 15:04 MST"))
	// Output:
	// version 2 accept within 8h0m0s business: true
	// zone Europe/Berlin monday [09:00-12:00 13:00-17:00] holidays [2026-12-25]
	// accept due Tue 17:00 CET
}

func ExampleParsePolicies_errors() {
	_, err := sla.ParsePolicies(strings.NewReader(`{"policies": [
  {"version": 1, "accept": {"within": "8h", "ladder": [
    {"after": "0s", "action": "escalate"},
    {"after": "-4h", "action": "return"}]}}
]}`))
	fmt.Println(err)
	var fe *sla.FileError
	if errors.As(err, &fe) {
		fmt.Println(fe.Field, "on line", fe.Line, "- matches ErrPolicy:", errors.Is(err, sla.ErrPolicy))
	}

	_, err = sla.ParsePolicies(strings.NewReader(`{"policies": [{"version": 1, "acept": {"within": "8h"}}]}`))
	fmt.Println(err)
	// Output:
	// sla: policy file line 4: policies[0].accept.ladder[1].after: must not be negative, got -4h0m0s
	// policies[0].accept.ladder[1].after on line 4 - matches ErrPolicy: true
	// sla: policy file line 1: policies[0].acept: unknown field (known here: accept, cadence, calendar, first_touch, hand_off, name, qualify, required_at_sql, sales_ready, stall, unresponsive, version, warnings)
}

func ExampleLoadPolicies() {
	// os.DirFS(dir) reads from disk; an embed.FS from the program itself.
	fsys := fstest.MapFS{"sla.json": {Data: []byte(berlinFile)}}
	ps, err := sla.LoadPolicies(fsys, "sla.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(ps), "policy, version", ps[0].Version)

	_, err = sla.LoadPolicies(fstest.MapFS{"bad.json": {Data: []byte("{\"policies\": [\n  {\"version\": 1, \"qualify\": {\"within\": \"4d\"}}]}")}}, "bad.json")
	fmt.Println(err)
	// Output:
	// 1 policy, version 2
	// sla: policy file bad.json:2: policies[0].qualify.within: "4d" is not a Go duration such as "8h", "1h30m" or "96h" (there is no day unit)
}

func ExampleWritePolicies() {
	p := sla.DefaultPolicy()
	p.Version = 3
	p.Accept = sla.Rule{Within: 2 * time.Hour, Business: true}
	p.FirstTouch, p.Cadence, p.Unresponsive, p.Qualify, p.Stall = sla.Rule{}, sla.Cadence{}, sla.Unresponsive{}, sla.Rule{}, sla.Stall{}
	p.RequiredAtSQL = nil
	berlin, _ := time.LoadLocation("Europe/Berlin")
	p.Calendar = sla.BusinessHours(berlin, sla.At(8, 30), sla.At(17, 0), time.Monday, time.Friday)
	p.Calendar.Holidays = []sla.Date{{Year: 2026, Month: time.December, Day: 24}}
	if err := sla.WritePolicies(os.Stdout, p); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {
	//   "policies": [
	//     {
	//       "version": 3,
	//       "accept": {"within": "2h", "business": true},
	//       "warnings": [0.5, 0.75, 0.9],
	//       "calendar": {
	//         "zone": "Europe/Berlin",
	//         "week": {"mon": ["08:30-17:00"], "fri": ["08:30-17:00"]},
	//         "holidays": ["2026-12-24"]
	//       }
	//     }
	//   ]
	// }
}

func ExamplePolicy_Equal() {
	ps, _ := sla.ParsePolicies(strings.NewReader(`{"policies": [{"version": 1,
		"accept": {"within": "480m", "business": true, "ladder": [{"after": "0s", "action": "notify"}]},
		"calendar": {"zone": "UTC", "week": {"mon": ["09:00-18:00"]}}}]}`))
	want := sla.Policy{
		Version:  1,
		Accept:   sla.Rule{Within: 8 * time.Hour, Business: true, Ladder: []sla.Step{{Action: lead.ActionNotify}}},
		Calendar: sla.BusinessHours(nil, sla.At(9, 0), sla.At(18, 0), time.Monday),
	}
	fmt.Println(ps[0].Equal(want))
	want.Accept.Business = false
	fmt.Println(ps[0].Equal(want))
	// Output:
	// true
	// false
}

func ExampleCalendar_Equal() {
	a, _ := time.LoadLocation("Europe/Berlin")
	b, _ := time.LoadLocation("Europe/Berlin")
	x := sla.Calendar{Location: a, Holidays: []sla.Date{{Year: 2026, Month: 12, Day: 25}, {Year: 2026, Month: 12, Day: 24}}}
	y := sla.Calendar{Location: b, Holidays: []sla.Date{{Year: 2026, Month: 12, Day: 24}, {Year: 2026, Month: 12, Day: 25}}}
	fmt.Println(a == b, x.Equal(y))
	fmt.Println(sla.Calendar{}.Equal(sla.Calendar{Location: time.UTC}), sla.Calendar{}.Equal(x))
	// Output:
	// false true
	// true false
}

func ExamplePolicy_MarshalJSON() {
	p := sla.Policy{Version: 1, Qualify: sla.Rule{Within: 4 * 24 * time.Hour, Ladder: []sla.Step{{Action: lead.ActionReturn}}}}
	b, err := json.Marshal(p)
	fmt.Println(string(b), err)
	// Output:
	// {"version":1,"qualify":{"within":"96h","ladder":[{"after":"0s","action":"return"}]}} <nil>
}

func ExamplePolicy_UnmarshalJSON() {
	var p sla.Policy
	err := json.Unmarshal([]byte(`{"version": 1, "first_touch": {"within": "4h", "business": true}}`), &p)
	fmt.Println(p.FirstTouch.Within, p.FirstTouch.Business, err)
	err = json.Unmarshal([]byte(`{"version": 1, "first_touch": {"within": "4h", "bussiness": true}}`), &p)
	fmt.Println(err)
	// Output:
	// 4h0m0s true <nil>
	// sla: policy file line 1: first_touch.bussiness: unknown field (known here: business, ladder, within)
}

func ExampleCalendar_MarshalJSON() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	b, err := json.Marshal(sla.BusinessHours(berlin, sla.At(9, 0), sla.At(17, 0), time.Saturday))
	fmt.Println(string(b), err)
	// Output:
	// {"zone":"Europe/Berlin","week":{"sat":["09:00-17:00"]}} <nil>
}

func ExampleCalendar_UnmarshalJSON() {
	var c sla.Calendar
	err := json.Unmarshal([]byte(`{"zone": "America/New_York", "week": {"sun": ["10:00-14:00"]}}`), &c)
	fmt.Println(c.Location, c.Week[time.Sunday], err)
	err = json.Unmarshal([]byte(`{"zone": "America/New_York", "week": {"sun": ["14:00-10:00"]}}`), &c)
	fmt.Println(err)
	// Output:
	// America/New_York [10:00-14:00] <nil>
	// sla: policy file line 1: week.sun[0]: span 14:00-10:00 does not end after it starts
}

// A policy file can carry the rules that select a lead's segment;
// ParseSet (or LoadSet) reads both into a Set.
func ExampleParseSet() {
	set, err := sla.ParseSet(strings.NewReader(`{
  "policies": [
    {"version": 1, "accept": {"within": "8h"}},
    {"name": "enterprise", "version": 1, "accept": {"within": "2h"}}
  ],
  "segments": [
    {"segment": "enterprise", "attributes": {"tier": "enterprise"}}
  ]
}`))
	if err != nil {
		panic(err)
	}
	p, _ := set.Select(lead.State{Attributes: map[string]string{"tier": "enterprise"}})
	fmt.Printf("%q v%d: accept within %v\n", p.Name, p.Version, p.Accept.Within)
	// Output:
	// "enterprise" v1: accept within 2h0m0s
}

// LoadSet reads a policy file with segment rules from any fs.FS: a
// directory on disk, an embed.FS, here a map.
func ExampleLoadSet() {
	files := fstest.MapFS{"sla.json": {Data: []byte(`{
  "policies": [{"version": 1}, {"name": "partner", "version": 3}],
  "segments": [{"segment": "partner", "source": "partner"}]
}`)}}
	set, err := sla.LoadSet(files, "sla.json")
	if err != nil {
		panic(err)
	}
	fmt.Printf("segments %q\n", set.Segments())
	p, _ := set.Select(lead.State{Source: "partner"})
	fmt.Printf("a partner lead runs under %q v%d\n", p.Name, p.Version)
	// Output:
	// segments ["" "partner"]
	// a partner lead runs under "partner" v3
}
