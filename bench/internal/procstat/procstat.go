// Package procstat reads CPU time and memory of processes from /proc
// (Linux): utime+stime of /proc/<pid>/stat, VmHWM and VmRSS of
// /proc/<pid>/status, busy time of the whole machine from /proc/stat.
package procstat

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ClockTicks is USER_HZ, the unit of the times in /proc/<pid>/stat and
// /proc/stat: 100 on every Linux architecture Go supports (sysconf
// _SC_CLK_TCK would say the same; reading it needs cgo).
const ClockTicks = 100

// Stat is what is used of /proc/<pid>/stat.
type Stat struct {
	Comm  string
	UTime uint64 // clock ticks
	STime uint64 // clock ticks
}

// CPUSeconds is user plus system time.
func (s Stat) CPUSeconds() float64 { return float64(s.UTime+s.STime) / ClockTicks }

// ParseStat parses the content of /proc/<pid>/stat. The command name is
// in parentheses and may itself hold spaces and parentheses, so fields
// are counted from the last ')'.
func ParseStat(b []byte) (Stat, error) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return Stat{}, fmt.Errorf("procstat: malformed stat %q", truncate(b))
	}
	f := strings.Fields(string(b[end+1:]))
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return Stat{}, fmt.Errorf("procstat: short stat %q", truncate(b))
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return Stat{}, fmt.Errorf("procstat: bad utime/stime in %q", truncate(b))
	}
	return Stat{Comm: string(b[open+1 : end]), UTime: u, STime: s}, nil
}

// ReadStat reads /proc/<pid>/stat ("self" for this process).
func ReadStat(pid string) (Stat, error) {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(b)
}

// CPUSeconds returns the CPU time of pid so far, 0 when it cannot be read.
func CPUSeconds(pid int) float64 {
	s, err := ReadStat(strconv.Itoa(pid))
	if err != nil {
		return 0
	}
	return s.CPUSeconds()
}

// SelfCPUSeconds is CPUSeconds of this process.
func SelfCPUSeconds() float64 {
	s, err := ReadStat("self")
	if err != nil {
		return 0
	}
	return s.CPUSeconds()
}

// ParseStatusKB returns the value in kB of key (such as "VmHWM") in the
// content of /proc/<pid>/status.
func ParseStatusKB(b []byte, key string) (int64, bool) {
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != key {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		return n, err == nil
	}
	return 0, false
}

// Memory is the resident memory of a process in MiB: peak (VmHWM) and now (VmRSS).
type Memory struct {
	PeakMiB float64 `json:"peak_rss_mib"`
	NowMiB  float64 `json:"rss_mib"`
}

// ReadMemory reads VmHWM and VmRSS of pid.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return Memory{}, err
	}
	hwm, _ := ParseStatusKB(b, "VmHWM")
	rss, _ := ParseStatusKB(b, "VmRSS")
	return Memory{PeakMiB: float64(hwm) / 1024, NowMiB: float64(rss) / 1024}, nil
}

// ParseMachine returns busy and total CPU seconds from the first line
// of /proc/stat ("cpu  user nice system idle iowait irq softirq steal ...").
// Busy is everything but idle and iowait; guest time is already inside user.
func ParseMachine(b []byte) (busy, total float64, err error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 8 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("procstat: malformed /proc/stat %q", truncate(line))
	}
	var sum, idle uint64
	for i, s := range f[1:min(len(f), 9)] { // user .. steal
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("procstat: /proc/stat field %d: %v", i+1, err)
		}
		sum += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	return float64(sum-idle) / ClockTicks, float64(sum) / ClockTicks, nil
}

// Machine reads /proc/stat.
func Machine() (busy, total float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	busy, total, _ = ParseMachine(b)
	return busy, total
}

// PostgresClass says which PostgreSQL process a command line belongs to:
// "db" for a backend or autovacuum worker of one of dbs, "shared" for a
// server-wide process (postmaster, WAL writer, checkpointer, background
// writer, autovacuum launcher, ...), "" for a backend of another database.
// Backends show "postgres: [cluster: ]user database host(port) activity".
func PostgresClass(cmdline string, dbs []string) string {
	cmdline = strings.ReplaceAll(cmdline, "\x00", " ")
	words := strings.Fields(cmdline)
	for _, db := range dbs {
		for _, w := range words {
			if w == db {
				return "db"
			}
		}
	}
	if strings.Contains(cmdline, "(") || strings.Contains(cmdline, "[local]") || strings.Contains(cmdline, "autovacuum worker") ||
		strings.Contains(cmdline, "parallel worker") {
		return "" // a client backend or worker of some other database
	}
	return "shared"
}

// PostgresCPU returns the CPU seconds so far of every process whose comm
// is "postgres", by pid, with its class (see PostgresClass).
func PostgresCPU(dbs []string) map[int]ClassCPU {
	out := map[int]ClassCPU{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		s, err := ReadStat(e.Name())
		if err != nil || s.Comm != "postgres" {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out[pid] = ClassCPU{Class: PostgresClass(string(cmd), dbs), CPU: s.CPUSeconds()}
	}
	return out
}

// ClassCPU is one PostgreSQL process's class and CPU seconds.
type ClassCPU struct {
	Class string
	CPU   float64
}

// PostgresDelta sums, by class, the CPU spent between two PostgresCPU
// readings. A process absent before started during the interval and
// counts from zero; one absent after exited and its last interval is lost
// (connection pools keep backends for the whole run, so this is rare).
func PostgresDelta(before, after map[int]ClassCPU) (db, shared, all float64) {
	for pid, a := range after {
		d := a.CPU - before[pid].CPU
		if d < 0 { // pid reused
			d = a.CPU
		}
		switch a.Class {
		case "db":
			db += d
		case "shared":
			shared += d
		}
		all += d
	}
	return db, shared, all
}

func truncate(b []byte) string {
	if len(b) > 80 {
		b = b[:80]
	}
	return string(b)
}
