package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const k8sManifest = "k8s/indexed-job.yaml"

// k8sObjects is what a manifest file declares.
type k8sObjects struct {
	claims map[string]*corev1.PersistentVolumeClaim
	jobs   map[string]*batchv1.Job
}

// decodeK8s decodes every document of a multi-document manifest strictly
// into its Kubernetes API type: an unknown or misspelt field, a duplicate
// key or a wrong type is an error.
func decodeK8s(data []byte) (*k8sObjects, error) {
	objs := &k8sObjects{claims: map[string]*corev1.PersistentVolumeClaim{}, jobs: map[string]*batchv1.Job{}}
	for i, doc := range bytes.Split(data, []byte("\n---")) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		switch {
		case tm.Kind == "" && len(bytes.TrimSpace(stripComments(doc))) == 0:
			continue
		case tm.APIVersion == "v1" && tm.Kind == "PersistentVolumeClaim":
			var c corev1.PersistentVolumeClaim
			if err := yaml.UnmarshalStrict(doc, &c); err != nil {
				return nil, fmt.Errorf("document %d (%s): %w", i+1, tm.Kind, err)
			}
			objs.claims[c.Name] = &c
		case tm.APIVersion == "batch/v1" && tm.Kind == "Job":
			var j batchv1.Job
			if err := yaml.UnmarshalStrict(doc, &j); err != nil {
				return nil, fmt.Errorf("document %d (%s): %w", i+1, tm.Kind, err)
			}
			objs.jobs[j.Name] = &j
		default:
			return nil, fmt.Errorf("document %d: unexpected %s %s", i+1, tm.APIVersion, tm.Kind)
		}
	}
	return objs, nil
}

func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

func readK8s(t *testing.T) *k8sObjects {
	t.Helper()
	data, err := os.ReadFile(k8sManifest)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeK8s(data)
	if err != nil {
		t.Fatalf("%s: %v", k8sManifest, err)
	}
	return objs
}

// Misspelt or misplaced fields, duplicate keys and wrong types fail to
// decode: the strict decoding the manifest test relies on works.
func TestK8sDecodingIsStrict(t *testing.T) {
	data, err := os.ReadFile(k8sManifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to string }{
		{"misspelt field", "completionMode: Indexed", "completionMod: Indexed"},
		{"misplaced field", "restartPolicy: Never", "restartPolicy: Never\n      parallelism: 2"},
		{"wrong type", "completions: 4", "completions: four"},
		{"duplicate key", "parallelism: 4", "parallelism: 4\n  parallelism: 5"},
		{"unknown kind", "kind: PersistentVolumeClaim", "kind: PersistentVolumeClam"},
	} {
		bad := strings.Replace(string(data), tc.from, tc.to, 1)
		if bad == string(data) {
			t.Fatalf("%s: %q not in the manifest", tc.name, tc.from)
		}
		if _, err := decodeK8s([]byte(bad)); err == nil {
			t.Errorf("%s: decoded without error", tc.name)
		}
	}
}

// container returns the only container of a job.
func container(t *testing.T, j *batchv1.Job) *corev1.Container {
	t.Helper()
	if n := len(j.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("job %s has %d containers, want 1", j.Name, n)
	}
	return &j.Spec.Template.Spec.Containers[0]
}

// flagValue returns the value after flag in args.
func flagValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// The manifest holds an Indexed Job of shards and a merge Job that share a
// ReadWriteMany claim, run spiral with a consistent shard count and output
// directory, and its commands, run locally as separate processes with
// JOB_COMPLETION_INDEX set, give a complete merged run.
func TestK8sIndexedJob(t *testing.T) {
	objs := readK8s(t)
	shards, merge := objs.jobs["spiral-shards"], objs.jobs["spiral-merge"]
	if shards == nil || merge == nil || len(objs.jobs) != 2 || len(objs.claims) != 1 {
		t.Fatalf("want jobs spiral-shards and spiral-merge and one claim, got %d jobs, %d claims", len(objs.jobs), len(objs.claims))
	}
	s := shards.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion || s.Completions == nil || *s.Completions < 2 {
		t.Fatalf("spiral-shards is not an Indexed Job of several completions: %+v", s)
	}
	n := int(*s.Completions)
	var claim *corev1.PersistentVolumeClaim
	for _, c := range objs.claims {
		claim = c
	}
	if !slices.Contains(claim.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Errorf("claim %s is not ReadWriteMany: the pods write into it at once", claim.Name)
	}
	mountPaths := map[string]string{}
	for _, j := range []*batchv1.Job{shards, merge} {
		ps := j.Spec.Template.Spec
		if ps.RestartPolicy != corev1.RestartPolicyNever && ps.RestartPolicy != corev1.RestartPolicyOnFailure {
			t.Errorf("job %s: restartPolicy %q", j.Name, ps.RestartPolicy)
		}
		c := container(t, j)
		if len(c.Command) < 2 || c.Command[0] != "spiral" {
			t.Fatalf("job %s: command %q does not run spiral", j.Name, c.Command)
		}
		for _, m := range c.VolumeMounts {
			var vol *corev1.Volume
			for i := range ps.Volumes {
				if ps.Volumes[i].Name == m.Name {
					vol = &ps.Volumes[i]
				}
			}
			if vol == nil {
				t.Fatalf("job %s: volumeMount %q has no volume", j.Name, m.Name)
			}
			if vol.PersistentVolumeClaim == nil || vol.PersistentVolumeClaim.ClaimName != claim.Name {
				t.Fatalf("job %s: volume %q is not the claim %s", j.Name, vol.Name, claim.Name)
			}
			mountPaths[j.Name] = m.MountPath
		}
		if c.Resources.Limits.Memory().IsZero() {
			t.Errorf("job %s: no memory limit", j.Name)
		}
	}
	mount := mountPaths["spiral-shards"]
	if mount == "" || mountPaths["spiral-merge"] != mount {
		t.Fatalf("the jobs mount the claim at %v, want one path", mountPaths)
	}
	run, mrg := container(t, shards), container(t, merge)
	out := flagValue(run.Command, "--out")
	if run.Command[1] != "run" || !strings.HasPrefix(out, mount+"/") || !slices.Contains(run.Command, "--resume") {
		t.Errorf("shard command %q: want spiral run --out under %s with --resume", run.Command, mount)
	}
	if mrg.Command[1] != "merge" || !slices.Contains(mrg.Command, out) {
		t.Errorf("merge command %q does not merge %s", mrg.Command, out)
	}
	var env []string
	for _, e := range run.Env {
		if e.Name == "SPIRAL_SHARDS" && e.Value != fmt.Sprint(n) {
			t.Errorf("SPIRAL_SHARDS=%s, but completions is %d", e.Value, n)
		}
		env = append(env, e.Name+"="+e.Value)
	}
	if slices.Index(env, fmt.Sprintf("SPIRAL_SHARDS=%d", n)) < 0 && flagValue(run.Command, "--shards") != fmt.Sprint(n) {
		t.Errorf("the shard count %d is given neither by SPIRAL_SHARDS nor --shards", n)
	}

	// The pods, as local processes: the volume is a temporary directory
	// and the run has 150 paths instead of the manifest's count.
	const paths = 150
	local := t.TempDir()
	localize := func(args []string) []string {
		args = slices.Clone(args)
		for i, a := range args {
			if strings.HasPrefix(a, mount+"/") {
				args[i] = filepath.Join(local, strings.TrimPrefix(a, mount+"/"))
			}
			if i > 0 && args[i-1] == "--paths" {
				args[i] = fmt.Sprint(paths)
			}
		}
		return args
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := localize(run.Command)
			runProcess(t, cleanEnv(t, append(env, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i))...), args[0], args[1:]...)
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	args := localize(mrg.Command)
	runProcess(t, cleanEnv(t), args[0], args[1:]...)
	if t.Failed() {
		return
	}
	checkMerged(t, localize([]string{out})[0], run.Command[2], paths, n)
}
