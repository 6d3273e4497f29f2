package kvtest

// Independent implementations of what Go's standard library lacks, to check Kyanite's output with:
// AES key wrap (RFC 3394) and ECDSA on secp256k1 (P-256K), written from the RFC and SEC 2.

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"math/big"
)

var errIntegrity = errors.New("AES key unwrap: integrity check failed")

var kwDefaultIV = []byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}

// kwWrap is RFC 3394 section 2.2.1 with the given 8-byte initial value.
func kwWrap(block cipher.Block, iv, plain []byte) []byte {
	n := len(plain) / 8
	a := append([]byte{}, iv...)
	r := append([]byte{}, plain...)
	buf := make([]byte, 16)
	for j := 0; j < 6; j++ {
		for i := 0; i < n; i++ {
			copy(buf, a)
			copy(buf[8:], r[i*8:i*8+8])
			block.Encrypt(buf, buf)
			t := uint64(n*j + i + 1)
			binary.BigEndian.PutUint64(a, binary.BigEndian.Uint64(buf[:8])^t)
			copy(r[i*8:], buf[8:])
		}
	}
	return append(a, r...)
}

// kwUnwrap is RFC 3394 section 2.2.2; it returns the recovered initial value and the plaintext.
func kwUnwrap(block cipher.Block, wrapped []byte) ([]byte, []byte, error) {
	if len(wrapped)%8 != 0 || len(wrapped) < 24 {
		return nil, nil, errors.New("AES key unwrap: bad length")
	}
	n := len(wrapped)/8 - 1
	a := append([]byte{}, wrapped[:8]...)
	r := append([]byte{}, wrapped[8:]...)
	buf := make([]byte, 16)
	for j := 5; j >= 0; j-- {
		for i := n - 1; i >= 0; i-- {
			t := uint64(n*j + i + 1)
			binary.BigEndian.PutUint64(buf, binary.BigEndian.Uint64(a)^t)
			copy(buf[8:], r[i*8:i*8+8])
			block.Decrypt(buf, buf)
			copy(a, buf[:8])
			copy(r[i*8:], buf[8:])
		}
	}
	return a, r, nil
}

// k1Curve is secp256k1 (y² = x³ + 7 over p), in affine coordinates with math/big: slow, simple, enough for tests.
type k1Curve struct{ p, n, gx, gy *big.Int }

func hexInt(s string) *big.Int { v, _ := new(big.Int).SetString(s, 16); return v }

var secp256k1 = k1Curve{
	p:  hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F"),
	n:  hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"),
	gx: hexInt("79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798"),
	gy: hexInt("483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8"),
}

func (c k1Curve) onCurve(x, y *big.Int) bool {
	lhs := new(big.Int).Exp(y, big.NewInt(2), c.p)
	rhs := new(big.Int).Exp(x, big.NewInt(3), c.p)
	rhs.Add(rhs, big.NewInt(7)).Mod(rhs, c.p)
	return x.Cmp(c.p) < 0 && y.Cmp(c.p) < 0 && lhs.Cmp(rhs) == 0
}

// add adds two points; nil stands for the point at infinity.
func (c k1Curve) add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	if x1 == nil {
		return x2, y2
	}
	if x2 == nil {
		return x1, y1
	}
	var l *big.Int
	if x1.Cmp(x2) == 0 {
		if new(big.Int).Add(y1, y2).Mod(new(big.Int).Add(y1, y2), c.p).Sign() == 0 {
			return nil, nil
		}
		num := new(big.Int).Mul(big.NewInt(3), new(big.Int).Mul(x1, x1))
		den := new(big.Int).ModInverse(new(big.Int).Mul(big.NewInt(2), y1), c.p)
		l = num.Mul(num, den)
	} else {
		num := new(big.Int).Sub(y2, y1)
		den := new(big.Int).ModInverse(new(big.Int).Mod(new(big.Int).Sub(x2, x1), c.p), c.p)
		l = num.Mul(num, den)
	}
	l.Mod(l, c.p)
	x3 := new(big.Int).Mul(l, l)
	x3.Sub(x3, x1).Sub(x3, x2).Mod(x3, c.p)
	y3 := new(big.Int).Sub(x1, x3)
	y3.Mul(y3, l).Sub(y3, y1).Mod(y3, c.p)
	return x3, y3
}

func (c k1Curve) mul(k, x, y *big.Int) (*big.Int, *big.Int) {
	var rx, ry *big.Int
	for i := k.BitLen() - 1; i >= 0; i-- {
		rx, ry = c.add(rx, ry, rx, ry)
		if k.Bit(i) == 1 {
			rx, ry = c.add(rx, ry, x, y)
		}
	}
	return rx, ry
}

func (c k1Curve) generate() (d, x, y *big.Int) {
	d, _ = rand.Int(rand.Reader, new(big.Int).Sub(c.n, big.NewInt(1)))
	d.Add(d, big.NewInt(1))
	x, y = c.mul(d, c.gx, c.gy)
	return
}

// sign is textbook ECDSA with a random nonce; the digest is 32 bytes, so no truncation is needed.
func (c k1Curve) sign(d *big.Int, digest []byte) (r, s *big.Int) {
	z := new(big.Int).SetBytes(digest)
	for {
		k, _ := rand.Int(rand.Reader, c.n)
		if k.Sign() == 0 {
			continue
		}
		x, _ := c.mul(k, c.gx, c.gy)
		r = new(big.Int).Mod(x, c.n)
		if r.Sign() == 0 {
			continue
		}
		s = new(big.Int).Mul(r, d)
		s.Add(s, z).Mul(s, new(big.Int).ModInverse(k, c.n)).Mod(s, c.n)
		if s.Sign() != 0 {
			return r, s
		}
	}
}

func (c k1Curve) verify(x, y *big.Int, digest []byte, r, s *big.Int) bool {
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(c.n) >= 0 || s.Cmp(c.n) >= 0 {
		return false
	}
	z := new(big.Int).SetBytes(digest)
	w := new(big.Int).ModInverse(s, c.n)
	u1 := new(big.Int).Mul(z, w)
	u1.Mod(u1, c.n)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, c.n)
	x1, y1 := c.mul(u1, c.gx, c.gy)
	x2, y2 := c.mul(u2, x, y)
	px, _ := c.add(x1, y1, x2, y2)
	return px != nil && new(big.Int).Mod(px, c.n).Cmp(r) == 0
}
