package devtemporal

import (
	"fmt"
	"net"
	"sync"
)

// issued remembers every port handed out by this process, so that two
// servers started in parallel (tests) never get the same one.
var issued = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePorts returns n distinct TCP ports on the loopback interface that were
// free a moment ago.
//
// Each port is taken by binding port 0; a connection to it is then accepted
// and closed from the listening side, which leaves the port in TIME_WAIT:
// while it is there (60 s on Linux) the kernel does not hand it out again for
// a bind to port 0, yet the server may still bind it explicitly (Go sets
// SO_REUSEADDR). That keeps other processes (another test binary) off the
// port between now and the moment the server listens on it.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick a free port: %w", err)
		}
		held = append(held, l) // held open until all n are picked, so they differ
		port := l.Addr().(*net.TCPAddr).Port
		if !claim(port) {
			continue
		}
		if err := parkInTimeWait(l); err != nil {
			return nil, fmt.Errorf("pick a free port: %w", err)
		}
		ports = append(ports, port)
	}
	return ports, nil
}

func claim(port int) bool {
	issued.Lock()
	defer issued.Unlock()
	if issued.ports[port] {
		return false
	}
	issued.ports[port] = true
	return true
}

func parkInTimeWait(l net.Listener) error {
	c, err := net.DialTCP("tcp", nil, l.Addr().(*net.TCPAddr))
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := l.Accept()
	if err != nil {
		return err
	}
	return s.Close() // the accepting side closes first: it is the one in TIME_WAIT
}
