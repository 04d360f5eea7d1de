package cases

import "testing"

func TestPolicyCityDays(t *testing.T) {
	p := Policy{TriageDays: 1, ReviewDays: 7, SuperviseDays: 4}
	for kind, want := range map[string]int{TaskTriage: 1, TaskReview: 7, TaskSupervise: 4, TaskAccept: 0} {
		if got := p.CityDays(kind); got != want {
			t.Errorf("CityDays(%s) = %d, want %d", kind, got, want)
		}
	}
	// a policy read before the city's limits existed (a workflow started
	// then keeps it): the defaults
	var old Policy
	for kind, want := range map[string]int{TaskTriage: 2, TaskReview: 3, TaskSupervise: 5} {
		if got := old.CityDays(kind); got != want {
			t.Errorf("zero policy: CityDays(%s) = %d, want %d", kind, got, want)
		}
	}
}
