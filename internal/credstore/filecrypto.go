package credstore

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// The file store's cryptography. One random 32-byte data key per store
// encrypts every entry; store.json keeps it wrapped under a key-encryption
// key (KEK) derived from the passphrase with argon2id. Changing the
// passphrase therefore rewraps 32 bytes, and a caller that holds the
// unwrapped data key (NewFileWithKey) skips the deliberately slow KDF.

const (
	headerFormat = "sesame-credstore-file"
	formatV1     = 1
	algAESGCM    = "AES-256-GCM"
	algArgon2id  = "argon2id"
	keyLen       = 32
	saltLen      = 16

	// Domain-separation labels: each derived value has its own purpose
	// string so no two uses of one key ever collide.
	labelVerifier = "sesame credstore v1 passphrase verifier"
	labelWrap     = "sesame credstore v1 wrapped data key"
	labelKeyCheck = "sesame credstore v1 data key check"
	labelEncrypt  = "sesame credstore v1 entry encryption"
	labelName     = "sesame credstore v1 entry file name"
	labelEntryAAD = "sesame credstore v1 entry "
)

// kdfParams are recorded in store.json so a store stays readable when the
// defaults change.
type kdfParams struct {
	Alg       string `json:"alg"`
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
	Salt      []byte `json:"salt"`
}

// defaultKDF is RFC 9106's second recommended argon2id setting (t=3,
// m=64 MiB, p=4): about 0.1–0.3 s on a laptop, paid once per process.
func defaultKDF() kdfParams {
	return kdfParams{Alg: algArgon2id, Time: 3, MemoryKiB: 64 * 1024, Threads: 4}
}

func (p kdfParams) validate() error {
	switch {
	case p.Alg != algArgon2id:
		return fmt.Errorf("unsupported kdf %q", p.Alg)
	case p.Time < 1 || p.Time > 100, p.Threads < 1,
		p.MemoryKiB < 8*uint32(p.Threads), p.MemoryKiB > 4*1024*1024:
		return errors.New("kdf parameters out of range")
	case len(p.Salt) < saltLen:
		return errors.New("kdf salt too short")
	}
	return nil
}

func (p kdfParams) deriveKEK(passphrase string) []byte {
	return argon2.IDKey([]byte(passphrase), p.Salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
}

// sealed is AES-256-GCM output with its random 96-bit nonce. With random
// nonces one key is safe for about 2^32 encryptions; a credential cache
// writes a few per hour.
type sealed struct {
	Alg        string `json:"alg"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

func seal(key, plaintext, aad []byte) (sealed, error) {
	aead, err := newGCM(key)
	if err != nil {
		return sealed{}, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return sealed{Alg: algAESGCM, Nonce: nonce, Ciphertext: aead.Seal(nil, nonce, plaintext, aad)}, nil
}

// errAuth is the one reason open gives: GCM cannot tell a wrong key from
// modified bytes, and the details would not help anyone.
var errAuth = errors.New("authentication failed")

func open(key []byte, s sealed, aad []byte) ([]byte, error) {
	if s.Alg != algAESGCM {
		return nil, fmt.Errorf("unsupported cipher %q", s.Alg)
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(s.Nonce) != aead.NonceSize() {
		return nil, errors.New("bad nonce length")
	}
	pt, err := aead.Open(nil, s.Nonce, s.Ciphertext, aad)
	if err != nil {
		return nil, errAuth
	}
	return pt, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func mac(key []byte, label string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	return h.Sum(nil)
}

// storeKeys are the working keys of an unlocked store, all derived from
// the data key with HKDF so the data key itself encrypts nothing.
type storeKeys struct {
	data    []byte // the unwrapped data key (UnlockKey)
	encrypt []byte // AES-256-GCM key for entries
	name    []byte // HMAC key that turns a key name into a file name
}

func deriveStoreKeys(dataKey []byte) (*storeKeys, error) {
	enc, err := hkdf.Key(sha256.New, dataKey, nil, labelEncrypt, keyLen)
	if err != nil {
		return nil, err
	}
	name, err := hkdf.Key(sha256.New, dataKey, nil, labelName, keyLen)
	if err != nil {
		return nil, err
	}
	return &storeKeys{data: append([]byte{}, dataKey...), encrypt: enc, name: name}, nil
}

// fileName hides the key name: HMAC rather than a bare hash, so nobody can
// confirm which identities are cached by hashing guessed names.
func (k *storeKeys) fileName(key string) string {
	h := hmac.New(sha256.New, k.name)
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil)) + entryExt
}

// An entry file is binary, because it sits on the hot path and JSON with
// base64 cost more than the decryption:
//
//	"SESAMEC1" | alg (1 = AES-256-GCM) | 12-byte nonce | ciphertext+tag
//
// The plaintext is uvarint(len(key)) | key | value; the key name travels
// inside the ciphertext so Keys can list what the file names hide. The
// additional data is the file name, binding an entry to its file: a file
// copied over another one fails to decrypt instead of answering for the
// wrong key.
const (
	entryExt   = ".entry"
	entryMagic = "SESAMEC1"
	entryAlgV1 = 1
	nonceLen   = 12
)

func entryAAD(fileName string) []byte { return []byte(labelEntryAAD + fileName) }

func (k *storeKeys) sealEntry(fileName, key string, value []byte) ([]byte, error) {
	pt := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(key)+len(value)), uint64(len(key)))
	pt = append(append(pt, key...), value...)
	sl, err := seal(k.encrypt, pt, entryAAD(fileName))
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(entryMagic)+1+len(sl.Nonce)+len(sl.Ciphertext))
	out = append(append(append(out, entryMagic...), entryAlgV1), sl.Nonce...)
	return append(out, sl.Ciphertext...), nil
}

// openEntry returns the reason in an error that never quotes the content.
func (k *storeKeys) openEntry(fileName string, data []byte) (key string, value []byte, err error) {
	rest, ok := bytes.CutPrefix(data, []byte(entryMagic))
	if !ok || len(rest) < 1+nonceLen {
		return "", nil, errors.New("not a sesame entry")
	}
	if rest[0] != entryAlgV1 {
		return "", nil, fmt.Errorf("unsupported entry cipher %d", rest[0])
	}
	s := sealed{Alg: algAESGCM, Nonce: rest[1 : 1+nonceLen], Ciphertext: rest[1+nonceLen:]}
	pt, err := open(k.encrypt, s, entryAAD(fileName))
	if err != nil {
		return "", nil, err
	}
	n, w := binary.Uvarint(pt)
	if w <= 0 || n > uint64(len(pt)-w) {
		return "", nil, errors.New("decrypted content is malformed")
	}
	return string(pt[w : w+int(n)]), pt[w+int(n):], nil
}
