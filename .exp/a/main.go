package main

import (
	_ "crypto/tls"
	_ "encoding/json"
	_ "html/template"
	_ "net/http"
	"os"

	_ "github.com/99designs/keyring"
	_ "github.com/goccy/go-yaml"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/crypto/argon2"
)

func main() { os.Stdout.WriteString("") }
