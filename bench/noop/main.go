// Command noop does nothing: the baseline for how long the exec of a Go
// binary takes on this machine (bench/credential-process.sh).
package main

func main() {}
