package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Environment variables that select a shard (DESIGN §10).
const (
	envK8sIndex   = "JOB_COMPLETION_INDEX" // Kubernetes Indexed Job: this pod's index, 0-based
	envShards     = "SPIRAL_SHARDS"        // the shard count for JOB_COMPLETION_INDEX (the Job's completions)
	envSlurmID    = "SLURM_ARRAY_TASK_ID"
	envSlurmCount = "SLURM_ARRAY_TASK_COUNT"
	envSlurmMin   = "SLURM_ARRAY_TASK_MIN"  // first task id of the array (0 for --array=0-3, 1 for --array=1-4)
	envSlurmStep  = "SLURM_ARRAY_TASK_STEP" // id step (--array=0-15:4 has step 4)
)

// resolveShard returns the shard this process runs and where it came
// from: --shard when given (flagSet), else a Slurm job array
// (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, and SLURM_ARRAY_TASK_MIN
// and _STEP when set), else a Kubernetes Indexed Job (JOB_COMPLETION_INDEX
// with the count from --shards, or else SPIRAL_SHARDS), else 0/1. shards
// is --shards, 0 when not given. Errors are bad input.
func resolveShard(flagSet bool, flag shardFlag, shards int, getenv func(string) string) (shardFlag, string, error) {
	if flagSet {
		return flag, "", nil
	}
	slurm, k8s := getenv(envSlurmID), getenv(envK8sIndex)
	if slurm != "" && k8s != "" {
		return shardFlag{}, "", fmt.Errorf("both %s and %s are set: say which shard to run with --shard i/n", envSlurmID, envK8sIndex)
	}
	envInt := func(name, def string, min int) (int, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			v = def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return 0, fmt.Errorf("%s=%q: want an integer ≥ %d", name, getenv(name), min)
		}
		return n, nil
	}
	switch {
	case slurm != "":
		id, err := envInt(envSlurmID, "", 0)
		if err != nil {
			return shardFlag{}, "", err
		}
		if getenv(envSlurmCount) == "" {
			return shardFlag{}, "", fmt.Errorf("%s is set but %s is not (Slurm sets both for a job array)", envSlurmID, envSlurmCount)
		}
		count, err := envInt(envSlurmCount, "", 1)
		if err != nil {
			return shardFlag{}, "", err
		}
		lo, err := envInt(envSlurmMin, "0", 0)
		if err != nil {
			return shardFlag{}, "", err
		}
		step, err := envInt(envSlurmStep, "1", 1)
		if err != nil {
			return shardFlag{}, "", err
		}
		if shards != 0 && shards != count {
			return shardFlag{}, "", fmt.Errorf("--shards %d disagrees with %s=%d", shards, envSlurmCount, count)
		}
		index := (id - lo) / step
		if id < lo || (id-lo)%step != 0 || index >= count {
			return shardFlag{}, "", fmt.Errorf("array task %s=%d (min %d, step %d) is not one of %d evenly spaced Slurm tasks: submit the array as --array=0-%d",
				envSlurmID,
				id, lo, step, count, count-1)
		}
		return shardFlag{index, count}, fmt.Sprintf("%s=%d of %s=%d", envSlurmID, id, envSlurmCount, count), nil
	case k8s != "":
		index, err := envInt(envK8sIndex, "", 0)
		if err != nil {
			return shardFlag{}, "", err
		}
		source := "--shards"
		if shards == 0 {
			if getenv(envShards) == "" {
				return shardFlag{}, "", fmt.Errorf("%s is set (Kubernetes Indexed Job) but not the shard count: pass --shards N or set %s to the Job's completions", envK8sIndex, envShards)
			}
			if shards, err = envInt(envShards, "", 1); err != nil {
				return shardFlag{}, "", err
			}
			source = envShards
		}
		if index >= shards {
			return shardFlag{}, "", fmt.Errorf("%s=%d is not below the shard count %d (%s)", envK8sIndex, index, shards, source)
		}
		return shardFlag{index, shards}, fmt.Sprintf("%s=%d of %s=%d", envK8sIndex, index, source, shards), nil
	case shards != 0:
		return shardFlag{}, "", fmt.Errorf("--shards needs %s (a Kubernetes Indexed Job); otherwise use --shard i/n", envK8sIndex)
	}
	return shardFlag{0, 1}, "", nil
}
