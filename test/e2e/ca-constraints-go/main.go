// Verifies TLS server certificates against one CA with Go's crypto/x509, which enforces name constraints (and
// refuses a CA whose constraints it cannot parse). Used by test/e2e/ca-constraints.go.test.ts.
//
// Usage: go run main.go CA.pem NAME=LEAF.pem... ; prints one line per pair: "NAME ok" or "NAME refused: REASON".
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
)

func parse(file string) (*x509.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", file)
	}
	return x509.ParseCertificate(block.Bytes)
}

func main() {
	ca, err := parse(os.Args[1])
	if err != nil {
		fmt.Println("CA refused:", err)
		os.Exit(1)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, pair := range os.Args[2:] {
		name, file, _ := strings.Cut(pair, "=")
		leaf, err := parse(file)
		if err == nil {
			_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		}
		if err != nil {
			fmt.Printf("%s refused: %v\n", name, err)
		} else {
			fmt.Printf("%s ok\n", name)
		}
	}
}
