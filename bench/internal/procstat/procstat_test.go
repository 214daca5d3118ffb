package procstat

import (
	"os"
	"testing"
)

func TestParseStat(t *testing.T) {
	// A comm with a space and a parenthesis: fields count from the last ')'.
	line := "4242 (we ird) x) S 1 4242 4242 0 -1 4194560 1043 0 0 0 250 37 0 0 20 0 8 0 123 100 200 18446744073709551615\n"
	s, err := ParseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if s.Comm != "we ird) x" || s.UTime != 250 || s.STime != 37 {
		t.Errorf("got %+v", s)
	}
	if s.CPUSeconds() != 2.87 {
		t.Errorf("cpu seconds %v", s.CPUSeconds())
	}
	if _, err := ParseStat([]byte("12 (x) S 1 2")); err == nil {
		t.Error("short stat accepted")
	}
	if _, err := ParseStat([]byte("garbage")); err == nil {
		t.Error("garbage accepted")
	}
}

func TestReadSelf(t *testing.T) {
	s, err := ReadStat("self")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	if s.Comm == "" {
		t.Error("empty comm")
	}
	m, err := ReadMemory(os.Getpid())
	if err != nil || m.PeakMiB <= 0 || m.PeakMiB < m.NowMiB {
		t.Errorf("memory %+v %v", m, err)
	}
}

func TestParseStatusKB(t *testing.T) {
	b := []byte("Name:\tedge\nVmPeak:\t  900000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\n")
	if n, ok := ParseStatusKB(b, "VmHWM"); !ok || n != 51200 {
		t.Errorf("VmHWM %d %v", n, ok)
	}
	if _, ok := ParseStatusKB(b, "VmSwap"); ok {
		t.Error("missing key found")
	}
}

func TestParseMachine(t *testing.T) {
	b := []byte("cpu  100 5 50 1000 20 3 2 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
	busy, total, err := ParseMachine(b)
	if err != nil || busy != 1.6 || total != 11.8 {
		t.Errorf("busy %v total %v err %v", busy, total, err)
	}
}

func TestPostgresClass(t *testing.T) {
	dbs := []string{"hookmesh_bench_1"}
	for cmd, want := range map[string]string{
		"postgres: 15/main: postgres hookmesh_bench_1 127.0.0.1(40000) idle":       "db",
		"postgres: 15/main: postgres test 127.0.0.1(40002) idle in transaction":    "",
		"postgres: 15/main: walwriter ":                                            "shared",
		"/usr/lib/postgresql/15/bin/postgres\x00-D\x00/var/lib/postgresql/15/main": "shared",
		"postgres: 15/main: autovacuum worker hookmesh_bench_1":                    "db",
		"postgres: 15/main: autovacuum worker test":                                "",
		"postgres: postgres test [local] idle":                                     "",
	} {
		if got := PostgresClass(cmd, dbs); got != want {
			t.Errorf("%q: got %q want %q", cmd, got, want)
		}
	}
}

func TestPostgresDelta(t *testing.T) {
	before := map[int]ClassCPU{1: {"db", 1}, 2: {"shared", 2}, 3: {"", 5}, 9: {"db", 4}}
	after := map[int]ClassCPU{1: {"db", 1.5}, 2: {"shared", 2.25}, 3: {"", 6}, 4: {"db", 0.5}}
	db, shared, all := PostgresDelta(before, after)
	if db != 1 || shared != 0.25 || all != 2.25 {
		t.Errorf("db %v shared %v all %v", db, shared, all)
	}
}
