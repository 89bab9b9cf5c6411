package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// interruptContext returns a context that the first SIGINT (Ctrl-C) or
// SIGTERM (sent by Kubernetes and Slurm before they kill a job) cancels:
// the run then stops after the paths in flight, keeps every complete part
// and says how to resume. A second signal exits at once with status 1;
// the part being written is then lost, and its temporary file is removed
// by the next --resume. stop releases the signals.
func interruptContext(stderr io.Writer) (ctx context.Context, stop func()) {
	ignoreFileSizeSignal()
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			fmt.Fprintf(stderr, "spiral: %s: stopping after the paths in flight (send it again to stop at once)\n", signalName(s))
			cancel(fmt.Errorf("interrupted by %s", signalName(s)))
		case <-done:
			return
		}
		select {
		case s := <-ch:
			fmt.Fprintf(stderr, "spiral: %s again: stopped at once; complete parts are kept, the part being written is lost\n", signalName(s))
			os.Exit(1)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// signalName is "SIGINT" or "SIGTERM" rather than Go's "interrupt".
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}
