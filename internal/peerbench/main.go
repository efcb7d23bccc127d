package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
)

func main() {
	testing.Init()
	rounds := flag.Int("rounds", 3, "rounds of each pair, alternating; the median ratios are printed")
	flag.Parse()
	fmt.Printf("%-15s %-58s %-58s %-30s %s\n", "operation", "leadline", "hallgren/eventsourcing", "ratio, wall (median)", "ratio, CPU (median)")
	for _, o := range ops {
		if err := flag.Set("test.benchtime", strconv.Itoa(o.iterations)+"x"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		var ratios, cpuRatios []float64
		var a, p testing.BenchmarkResult
		for range *rounds {
			a = testing.Benchmark(o.leadline)
			p = testing.Benchmark(o.peer)
			if a.N == 0 || p.N == 0 {
				fmt.Fprintf(os.Stderr, "%s: a benchmark failed\n", o.name)
				os.Exit(1)
			}
			ratios = append(ratios, ratio(a, p))
			cpuRatios = append(cpuRatios, cpuRatio(a, p))
		}
		slices.Sort(ratios)
		slices.Sort(cpuRatios)
		fmt.Printf("%-15s %-58s %-58s %-30s %s\n", o.name, format(a), format(p),
			fmt.Sprintf("%.2f %v", ratios[len(ratios)/2], round(ratios)),
			fmt.Sprintf("%.2f %v", cpuRatios[len(cpuRatios)/2], round(cpuRatios)))
	}
}

func round(rs []float64) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = strconv.FormatFloat(r, 'f', 2, 64)
	}
	return out
}
