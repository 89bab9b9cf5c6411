// Package deploy holds spiral's examples for cluster schedulers and their
// tests: k8s/indexed-job.yaml (a Kubernetes Indexed Job running the shards
// and a Job merging them, on a shared volume) and slurm/array.sbatch (a
// Slurm job array and its merge). See docs/cluster.md.
//
// It is a module of its own so that the Kubernetes API types its tests
// decode the manifests into (k8s.io/api) are not dependencies of spiral.
package deploy
