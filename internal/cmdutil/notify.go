package cmdutil

import (
	"fmt"
	"sync"
	"time"

	"github.com/sesame-cli/sesame/internal/iostreams"
)

// notifier shows sign-in progress on stderr: the code to confirm, and a
// spinner while waiting when stderr is a terminal.
type notifier struct {
	io   *iostreams.IOStreams
	mu   sync.Mutex
	stop chan struct{}
	done chan struct{}
}

func newNotifier(io *iostreams.IOStreams) *notifier { return &notifier{io: io} }

// ShowCode implements sso.Notifier.
func (n *notifier) ShowCode(uri, code string) {
	fmt.Fprintf(n.io.ErrOut, "To sign in, open %s\nand check that the code is %s\n", uri, code)
	n.spin("waiting for you to approve in the browser")
}

// Waiting implements sso.Notifier.
func (n *notifier) Waiting(msg string) { n.spin(msg) }

// Done implements sso.Notifier.
func (n *notifier) Done() {
	n.mu.Lock()
	stop, done := n.stop, n.done
	n.stop, n.done = nil, nil
	n.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

func (n *notifier) spin(msg string) {
	n.Done()
	if !n.io.ErrTTY {
		fmt.Fprintln(n.io.ErrOut, msg+" …")
		return
	}
	stop, done := make(chan struct{}), make(chan struct{})
	n.mu.Lock()
	n.stop, n.done = stop, done
	n.mu.Unlock()
	go func() {
		defer close(done)
		frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(n.io.ErrOut, "\r%c %s", frames[i%len(frames)], msg)
			select {
			case <-stop:
				fmt.Fprint(n.io.ErrOut, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
}
