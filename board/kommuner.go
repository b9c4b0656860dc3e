package board

import (
	_ "embed"
	"encoding/csv"
	"strings"
	"sync"
)

//go:embed kommuner.csv
var kommunerCSV string

// SCBMunicipality is one row of SCB's list of municipalities.
type SCBMunicipality struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	CountyCode string `json:"countyCode"`
	County     string `json:"county"`
}

var scb = sync.OnceValue(func() []SCBMunicipality {
	rows, err := csv.NewReader(strings.NewReader(kommunerCSV)).ReadAll()
	if err != nil {
		panic("board: kommuner.csv: " + err.Error())
	}
	out := make([]SCBMunicipality, 0, len(rows))
	for _, r := range rows[1:] {
		out = append(out, SCBMunicipality{Code: r[0], Name: r[1], CountyCode: r[2], County: r[3]})
	}
	return out
})

// SCBMunicipalities returns all 290 municipalities from SCB, by code.
func SCBMunicipalities() []SCBMunicipality { return scb() }

// LookupSCB returns SCB's row for a municipality code.
func LookupSCB(code string) (SCBMunicipality, bool) {
	for _, m := range scb() {
		if m.Code == code {
			return m, true
		}
	}
	return SCBMunicipality{}, false
}
