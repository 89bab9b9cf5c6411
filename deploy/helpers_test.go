package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// spiralDir builds spiral from the parent module once and returns the
// directory holding the executable, to put on PATH.
func spiralDir(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "spiral-deploy-"); buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "spiral"), "./cmd/spiral")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/spiral: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// cleanEnv is the environment without any variable that selects a shard,
// with spiral first on PATH, plus extra.
func cleanEnv(t *testing.T, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SLURM_") || strings.HasPrefix(k, "SPIRAL_") || k == "JOB_COMPLETION_INDEX" || k == "PATH" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PATH="+spiralDir(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
	return append(env, extra...)
}

// runProcess runs name args with env (spiral is the one built) and marks
// the test failed on a non-zero exit; it may be called from any goroutine.
func runProcess(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	path := name
	if name == "spiral" {
		path = filepath.Join(spiralDir(t), "spiral")
	}
	cmd := exec.Command(path, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Errorf("%s %q: %v\nstdout: %s\nstderr: %s", name, args, err, out.String(), errb.String())
	}
	return out.String()
}

// aggregates returns the variants section of dir's aggregate.json.
func aggregates(t *testing.T, dir string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "aggregate.json"))
	if err != nil {
		t.Fatal(err)
	}
	var a map[string]any
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return a["variants"]
}

// checkMerged checks that out is a complete merged run of paths paths in
// shards shards whose aggregates equal one process's.
func checkMerged(t *testing.T, out, scenario string, paths, shards int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Paths, Shards int }
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Paths != paths || m.Shards != shards {
		t.Errorf("manifest: %d paths in %d shards, want %d in %d", m.Paths, m.Shards, paths, shards)
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
		t.Fatal(err)
	}
	one := filepath.Join(t.TempDir(), "one")
	runProcess(t, cleanEnv(t), "spiral", "run", scenario, "--out", one, "--paths", fmt.Sprint(paths), "--quiet")
	if t.Failed() {
		return
	}
	if !reflect.DeepEqual(aggregates(t, one), aggregates(t, out)) {
		t.Error("the merged shards' aggregates differ from one process's")
	}
}
