package keycache

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"
)

func TestSystemCacheRoundTrip(t *testing.T) {
	c := System()
	if _, ok := c.(None); ok {
		t.Skip("no key cache on this platform")
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	desc := "sesame-test:" + hex.EncodeToString(b)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	if err := c.Put(desc, secret, time.Minute); err != nil {
		t.Skipf("kernel keyring unavailable here: %v", err)
	}
	defer c.Delete(desc)
	got, ok := c.Get(desc)
	if !ok || !bytes.Equal(got, secret) {
		t.Fatalf("got %x %v", got, ok)
	}
	c.Delete(desc)
	if _, ok := c.Get(desc); ok {
		t.Error("still there after Delete")
	}
}
