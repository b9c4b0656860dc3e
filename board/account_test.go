package board_test

import (
	"slices"
	"testing"

	"github.com/processkarta/processkarta/board"
)

func TestCheckAccount(t *testing.T) {
	ok := []board.Account{
		{Email: " Anna.Berg@Vaxjo.SE ", Name: "Anna", Role: board.AccountLeader, Municipalities: []string{"0780", "0764", "0780"}},
		{Email: "k@example.se", Name: "Karin", Role: board.AccountCoordinator, Cluster: "Kronoberg"},
		{Email: "admin@example.se", Name: "Admin", Role: board.AccountAdmin},
	}
	for _, a := range ok {
		if err := board.CheckAccount(&a); err != nil {
			t.Errorf("%+v: %v", a, err)
		}
	}
	a := ok[0]
	board.CheckAccount(&a)
	if a.Email != "anna.berg@vaxjo.se" || !slices.Equal(a.Municipalities, []string{"0764", "0780"}) {
		t.Errorf("not canonical: %+v", a)
	}
	bad := []board.Account{
		{Email: "no-at-sign", Name: "x", Role: board.AccountAdmin},
		{Email: "a@b", Name: "x", Role: board.AccountAdmin},
		{Email: "a b@c.se", Name: "x", Role: board.AccountAdmin},
		{Email: "a@c.se", Name: " ", Role: board.AccountAdmin},
		{Email: "a@c.se", Name: "x", Role: "owner"},
		{Email: "a@c.se", Name: "x", Role: board.AccountAdmin, Cluster: "K"},
		{Email: "a@c.se", Name: "x", Role: board.AccountCoordinator},
		{Email: "a@c.se", Name: "x", Role: board.AccountCoordinator, Cluster: "K", Municipalities: []string{"0780"}},
		{Email: "a@c.se", Name: "x", Role: board.AccountLeader},
		{Email: "a@c.se", Name: "x", Role: board.AccountLeader, Municipalities: []string{"9999"}},
		{Email: "a@c.se", Name: "x", Role: board.AccountLeader, Municipalities: []string{"0780"}, Cluster: "K"},
	}
	for _, a := range bad {
		if code := board.ErrorCode(board.CheckAccount(&a)); code != board.EInvalid {
			t.Errorf("%+v: code %q, want invalid", a, code)
		}
	}
}

func TestAccountAllows(t *testing.T) {
	vaxjo := &board.Municipality{Code: "0780", Cluster: "Kronoberg"}
	kalmar := &board.Municipality{Code: "0880", Cluster: "Kalmar län"}
	leader := &board.Account{Role: board.AccountLeader, Municipalities: []string{"0780"}}
	coord := &board.Account{Role: board.AccountCoordinator, Cluster: "Kronoberg"}
	admin := &board.Account{Role: board.AccountAdmin}
	for _, c := range []struct {
		a    *board.Account
		m    *board.Municipality
		want bool
	}{
		{leader, vaxjo, true}, {leader, kalmar, false},
		{coord, vaxjo, true}, {coord, kalmar, false}, {coord, &board.Municipality{Code: "0764"}, false},
		{admin, vaxjo, true}, {admin, kalmar, true},
		{&board.Account{Role: board.AccountAdmin, Disabled: true}, vaxjo, false},
		{&board.Account{Role: board.AccountCoordinator}, &board.Municipality{Code: "0764"}, false},
	} {
		if got := c.a.Allows(c.m); got != c.want {
			t.Errorf("%+v allows %+v: %v, want %v", c.a, c.m, got, c.want)
		}
	}
	if !coord.AllowsCluster("Kronoberg") || coord.AllowsCluster("Kalmar län") || leader.AllowsCluster("Kronoberg") || !admin.AllowsCluster("Kalmar län") {
		t.Error("AllowsCluster")
	}
}
