package deploy

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const slurmScript = "slurm/array.sbatch"

// slurmJob is what the tests take from the sbatch script.
type slurmJob struct {
	first, count int      // --array=first-last
	assignments  []string // NAME=${NAME:-default} lines
	run, merge   string   // the spiral command lines
}

var (
	arrayDirective = regexp.MustCompile(`^#SBATCH\s+--array=(\d+)-(\d+)\s*$`)
	assignment     = regexp.MustCompile(`^[A-Z_]+=\$\{[A-Z_]+:-[^}]*\}$`)
)

func readSlurm(t *testing.T) slurmJob {
	t.Helper()
	f, err := os.Open(slurmScript)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var job slurmJob
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := arrayDirective.FindStringSubmatch(line); m != nil {
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			job.first, job.count = a, b-a+1
		}
		if assignment.MatchString(line) {
			job.assignments = append(job.assignments, line)
		}
		if cmd, ok := strings.CutPrefix(line, "exec "); ok && strings.HasPrefix(cmd, "spiral ") {
			switch strings.Fields(cmd)[1] {
			case "run":
				job.run = cmd
			case "merge":
				job.merge = cmd
			}
		}
	}
	if job.count < 2 || job.run == "" || job.merge == "" || len(job.assignments) == 0 {
		t.Fatalf("%s: want #SBATCH --array=a-b, NAME=${NAME:-default} lines and exec spiral run/merge lines; got %+v", slurmScript, job)
	}
	return job
}

// The script's command lines, run locally as separate processes with the
// job array's variables set, give a complete merged run; bash checks the
// script's syntax.
func TestSlurmArray(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	runProcess(t, cleanEnv(t), bash, "-n", slurmScript)
	if t.Failed() {
		return
	}
	job := readSlurm(t)
	const paths = 150
	out := filepath.Join(t.TempDir(), "out")
	script := func(line string) string {
		return "set -euo pipefail\n" + strings.Join(job.assignments, "\n") + "\n" + line + "\n"
	}
	var wg sync.WaitGroup
	for i := range job.count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runProcess(t, cleanEnv(t, "OUT="+out, fmt.Sprintf("PATHS=%d", paths), "SLURM_CPUS_PER_TASK=1",
				fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", job.first+i), fmt.Sprintf("SLURM_ARRAY_TASK_COUNT=%d", job.count),
				fmt.Sprintf("SLURM_ARRAY_TASK_MIN=%d", job.first)), bash, "-c", script(job.run))
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	runProcess(t, cleanEnv(t, "OUT="+out), bash, "-c", script(job.merge))
	if t.Failed() {
		return
	}
	scenario := ""
	for _, a := range job.assignments {
		if v, ok := strings.CutPrefix(a, "SCENARIO=${SCENARIO:-"); ok {
			scenario = strings.TrimSuffix(v, "}")
		}
	}
	checkMerged(t, out, scenario, paths, job.count)
}
