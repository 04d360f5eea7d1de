package authz

// OnListening sets a function Listen calls each time it has subscribed and
// reloaded (tests wait on it). Call it before Listen.
func (a *Authorizer) OnListening(fn func()) { a.listening = fn }

// OnReloadRead sets a function Reload calls after reading the database and
// before swapping the new policy in.
func (a *Authorizer) OnReloadRead(fn func()) { a.loaded = fn }

// ForgetMemo empties casbin's memo of g() results (kept with the compiled
// matcher until the policy changes), so a benchmark measures the uncached
// enforce.
func (a *Authorizer) ForgetMemo() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pol.forgetMemos()
}
