package sla_test

import (
	"fmt"
	"time"
	_ "time/tzdata"

	"github.com/leadline/leadline/sla"
)

func ExampleCalendar_Add() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	office := sla.BusinessHours(berlin, sla.At(9, 0), sla.At(18, 0)) // Monday to Friday

	handedOff := time.Date(2026, time.January, 16, 17, 30, 0, 0, berlin) // a Friday
	deadline := office.Add(handedOff, 2*time.Hour)
	fmt.Println(deadline.Format("Mon 2006-01-02 15:04"))
	// Output: Mon 2026-01-19 10:30
}

func ExampleCalendar_Elapsed() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	office := sla.BusinessHours(berlin, sla.At(9, 0), sla.At(18, 0))

	friday := time.Date(2026, time.January, 16, 17, 0, 0, 0, berlin)
	monday := time.Date(2026, time.January, 19, 10, 0, 0, 0, berlin)
	fmt.Println(office.Elapsed(friday, monday))
	fmt.Println(office.Elapsed(friday.Add(time.Hour), monday.Add(-time.Hour))) // the weekend
	// Output:
	// 2h0m0s
	// 0s
}

func ExampleCalendar_holidays() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	office := sla.BusinessHours(berlin, sla.At(9, 0), sla.At(18, 0))
	for day := 24; day <= 31; day++ {
		office.Holidays = append(office.Holidays, sla.Date{Year: 2026, Month: time.December, Day: day})
	}
	office.Holidays = append(office.Holidays, sla.Date{Year: 2027, Month: time.January, Day: 1})
	if err := office.Validate(); err != nil {
		fmt.Println(err)
		return
	}

	accepted := time.Date(2026, time.December, 23, 17, 0, 0, 0, berlin) // Wednesday
	fmt.Println(office.Add(accepted, 3*time.Hour).Format("Mon 2006-01-02 15:04"))
	// Output: Mon 2027-01-04 11:00
}

func ExampleCalendar_zero() {
	var always sla.Calendar // 24x7
	t := time.Date(2026, time.March, 28, 12, 0, 0, 0, time.UTC)
	fmt.Println(always.Add(t, 4*24*time.Hour).Format("Mon 2006-01-02 15:04"))

	// No spans but holidays: around the clock except on those days.
	always.Holidays = []sla.Date{{Year: 2026, Month: time.March, Day: 30}}
	fmt.Println(always.Add(t, 4*24*time.Hour).Format("Mon 2006-01-02 15:04"))
	// Output:
	// Wed 2026-04-01 12:00
	// Thu 2026-04-02 12:00
}

func ExampleCalendar_Validate() {
	var c sla.Calendar
	c.Week[time.Monday] = []sla.Span{
		{Start: sla.At(9, 0), End: sla.At(12, 0)},
		{Start: sla.At(11, 0), End: sla.At(18, 0)},
	}
	fmt.Println(c.Validate())
	// Output: sla: invalid calendar: Week[Monday][1]: span 11:00-18:00 starts before the previous span 09:00-12:00 ends
}
