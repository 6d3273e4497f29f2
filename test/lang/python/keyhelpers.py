"""Conversions between `cryptography` keys and Key Vault JWKs, shared by the key and crypto tests."""
import base64

from azure.keyvault.keys import JsonWebKey, KeyCurveName
from cryptography.hazmat.primitives.asymmetric import ec, rsa

CURVES = {
    KeyCurveName.p_256: ec.SECP256R1(),
    KeyCurveName.p_384: ec.SECP384R1(),
    KeyCurveName.p_521: ec.SECP521R1(),
    KeyCurveName.p_256_k: ec.SECP256K1(),
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def int_bytes(value: int, length: int = 0) -> bytes:
    return value.to_bytes(max(length, (value.bit_length() + 7) // 8), 'big')


def rsa_jwk(private: rsa.RSAPrivateKey) -> JsonWebKey:
    p = private.private_numbers()
    pub = p.public_numbers
    return JsonWebKey(kty='RSA', n=int_bytes(pub.n), e=int_bytes(pub.e), d=int_bytes(p.d), p=int_bytes(p.p),
                      q=int_bytes(p.q), dp=int_bytes(p.dmp1), dq=int_bytes(p.dmq1), qi=int_bytes(p.iqmp))


def ec_jwk(private: ec.EllipticCurvePrivateKey, crv: str) -> JsonWebKey:
    size = (private.curve.key_size + 7) // 8
    pub = private.public_key().public_numbers()
    return JsonWebKey(kty='EC', crv=crv, x=int_bytes(pub.x, size), y=int_bytes(pub.y, size),
                      d=int_bytes(private.private_numbers().private_value, size))


def rsa_public(jwk: JsonWebKey) -> rsa.RSAPublicKey:
    """The RSA public key a Key Vault JWK carries (n, e as bytes)."""
    return rsa.RSAPublicNumbers(int.from_bytes(jwk.e, 'big'), int.from_bytes(jwk.n, 'big')).public_key()


def ec_public(jwk: JsonWebKey) -> ec.EllipticCurvePublicKey:
    """The EC public key of a JWK; cryptography refuses a point that is not on the curve."""
    return ec.EllipticCurvePublicNumbers(int.from_bytes(jwk.x, 'big'), int.from_bytes(jwk.y, 'big'),
                                         CURVES[jwk.crv]).public_key()
