//go:build race

package server_test

// raceSlowdown is how much slower code runs under the race detector, for
// tests that bound time: instrumented byte loops (inflating, copying) run
// several times slower.
const raceSlowdown = 8
