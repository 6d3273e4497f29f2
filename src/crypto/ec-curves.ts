/**
 * Domain parameters of the four curves Key Vault offers, as published in SEC 2 v2 (secp256k1, and
 * secp256r1/secp384r1/secp521r1) and FIPS 186-4 appendix D.1.2 (P-256, P-384, P-521, the same curves).
 * Short Weierstrass form y^2 = x^3 + a*x + b over GF(p), base point G of prime order n.
 */
export interface CurveParams {
  /** Key Vault's name. */
  readonly name: 'P-256' | 'P-384' | 'P-521' | 'P-256K';
  /** OpenSSL's name, as node:crypto's createECDH and generateKeyPair want it. */
  readonly openssl: string;
  /** The crv Node writes in JWKs it exports. */
  readonly nodeJwkCrv: string;
  readonly bits: number;
  /** Bytes of a coordinate, a private scalar and each half of an r||s signature. */
  readonly bytes: number;
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly n: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
}

const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const P384_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn;
const P521_P = (1n << 521n) - 1n;

export const CURVES: readonly CurveParams[] = [
  {
    name: 'P-256',
    openssl: 'prime256v1',
    nodeJwkCrv: 'P-256',
    bits: 256,
    bytes: 32,
    p: P256_P,
    a: P256_P - 3n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  {
    name: 'P-384',
    openssl: 'secp384r1',
    nodeJwkCrv: 'P-384',
    bits: 384,
    bytes: 48,
    p: P384_P,
    a: P384_P - 3n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
  {
    name: 'P-521',
    openssl: 'secp521r1',
    nodeJwkCrv: 'P-521',
    bits: 521,
    bytes: 66,
    p: P521_P,
    a: P521_P - 3n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    gx: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
  },
  {
    name: 'P-256K',
    openssl: 'secp256k1',
    nodeJwkCrv: 'secp256k1',
    bits: 256,
    bytes: 32,
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn,
    a: 0n,
    b: 7n,
    n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
    gx: 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
    gy: 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
  },
];

/** Looks a curve up by Key Vault's name or by the name Node uses in JWKs. */
export const curveByName = (crv: unknown): CurveParams | undefined =>
  CURVES.find((c) => c.name === crv || c.nodeJwkCrv === crv);
