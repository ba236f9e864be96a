package cmdutil

import (
	"slices"
	"testing"
)

func TestParseProfiles(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{""}, nil},
		{[]string{"devops"}, []string{"devops"}},
		{[]string{"a,b", "c"}, []string{"a", "b", "c"}},
		{[]string{" a , ,b,", ",,"}, []string{"a", "b"}},
		{[]string{"b,a", "a,c,b"}, []string{"b", "a", "c"}},
		{[]string{"Dev,dev"}, []string{"Dev", "dev"}},
	}
	for _, tt := range tests {
		if got := ParseProfiles(tt.in...); !slices.Equal(got, tt.want) {
			t.Errorf("ParseProfiles(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
