/**
 * The two extensions that limit what the local CA can vouch for, as DER, written and read with Buffers alone:
 *
 * - basicConstraints, critical, cA TRUE, pathLenConstraint 0: the CA signs leaves only, never another CA;
 * - nameConstraints, critical, permittedSubtrees = the TlsNamePolicy's constraints (RFC 5280 4.2.1.10).
 *
 * One encoder serves both sides: x509-tls.ts puts these bytes into a new CA, and src/server/tls.ts compares a CA
 * read from disk with them at every start. That check must not load @peculiar/x509 (the costliest module Kyanite
 * loads, see tls.ts), and @peculiar/x509 2.2 has no nameConstraints class anyway, so neither side uses a library:
 * the structures are small and fixed, and a byte-for-byte comparison is the strictest check there is.
 */
import { isIP } from 'node:net';
import { constraintText, ipBytes, prefixMask, type NameConstraint, type TlsNamePolicy } from './tls-names.js';

export const BASIC_CONSTRAINTS_OID = '2.5.29.19';
export const NAME_CONSTRAINTS_OID = '2.5.29.30';

/** A DER length: short form below 128, else 0x80 | byte count, then the bytes. */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};

const SEQUENCE = 0x30;
const TRUE = tlv(0x01, Buffer.from([0xff]));

/** GeneralName as a subtree base: dNSName [2] IA5String, iPAddress [7] address followed by mask (RFC 5280). */
function generalSubtree(constraint: NameConstraint): Buffer {
  if (constraint.type === 'dns') return tlv(SEQUENCE, tlv(0x82, Buffer.from(constraint.value, 'ascii')));
  const address = ipBytes(constraint.address);
  const family = isIP(constraint.address);
  return tlv(SEQUENCE, tlv(0x87, address, prefixMask(family === 4 ? 4 : 16, constraint.prefix)));
}

/** The extnValue of basicConstraints: SEQUENCE { cA TRUE, pathLenConstraint 0 }. */
export const basicConstraintsValue = (): Buffer => tlv(SEQUENCE, TRUE, tlv(0x02, Buffer.from([0])));

/** The extnValue of nameConstraints: SEQUENCE { permittedSubtrees [0] { GeneralSubtree... } }. */
export const nameConstraintsValue = (names: TlsNamePolicy): Buffer =>
  tlv(SEQUENCE, tlv(0xa0, ...names.constraints.map(generalSubtree)));

/** The OID's DER content bytes; only for the short 2.5.29.x arcs used here. */
const oidBytes = (oid: string): Buffer => {
  const [a, b, ...rest] = oid.split('.').map(Number) as [number, number, ...number[]];
  if (rest.some((arc) => arc >= 0x80)) throw new Error(`OID ${oid} needs multi-byte arcs`);
  return Buffer.from([a * 40 + b, ...rest]);
};

/** A whole critical Extension ::= SEQUENCE { extnID, critical TRUE, extnValue OCTET STRING }. */
const criticalExtension = (oid: string, value: Buffer): Buffer => tlv(SEQUENCE, tlv(0x06, oidBytes(oid)), TRUE, tlv(0x04, value));

/** One TLV in `der` at `offset`: its tag, where its content starts and where the TLV ends. */
function readTlv(der: Buffer, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset];
  let lengthByte = der[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('truncated DER');
  let start = offset + 2;
  let length = lengthByte;
  if (lengthByte >= 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = der[start + i];
      if (lengthByte === undefined) throw new Error('truncated DER');
      length = length * 256 + lengthByte;
    }
    start += count;
  }
  const end = start + length;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, start, end };
}

/** The TLVs directly inside the constructed TLV spanning start..end. */
function children(der: Buffer, start: number, end: number): Array<{ tag: number; start: number; end: number; offset: number }> {
  const list = [];
  for (let offset = start; offset < end; ) {
    const child = readTlv(der, offset);
    list.push({ ...child, offset });
    offset = child.end;
  }
  return list;
}

/**
 * The whole DER of each extension of a certificate, by OID, read from its tbsCertificate's [3] extensions. Throws
 * for DER it cannot walk (the caller treats that as "not a CA made by this Kyanite").
 */
function extensionsOf(certificateDer: Buffer): Map<string, Buffer> {
  const certificate = readTlv(certificateDer, 0);
  const [tbs] = children(certificateDer, certificate.start, certificate.end);
  if (tbs === undefined) throw new Error('not a certificate');
  const found = new Map<string, Buffer>();
  const extensionsField = children(certificateDer, tbs.start, tbs.end).find((field) => field.tag === 0xa3);
  if (extensionsField === undefined) return found;
  const [list] = children(certificateDer, extensionsField.start, extensionsField.end);
  if (list === undefined) return found;
  for (const extension of children(certificateDer, list.start, list.end)) {
    const [id] = children(certificateDer, extension.start, extension.end);
    if (id?.tag !== 0x06) throw new Error('malformed extension');
    found.set(certificateDer.subarray(id.start, id.end).toString('hex'), certificateDer.subarray(extension.offset, extension.end));
  }
  return found;
}

/**
 * Why a CA certificate cannot stay the local CA under `names`, or undefined when it carries exactly the critical
 * basicConstraints (pathLen 0) and nameConstraints this Kyanite would give a new CA.
 */
export function caConstraintsProblem(certificateDer: Buffer, names: TlsNamePolicy): string | undefined {
  let extensions: Map<string, Buffer>;
  try {
    extensions = extensionsOf(certificateDer);
  } catch (err) {
    return `its extensions cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
  const has = (oid: string, value: Buffer): boolean =>
    extensions.get(oidBytes(oid).toString('hex'))?.equals(criticalExtension(oid, value)) === true;
  const nameConstraints = extensions.get(oidBytes(NAME_CONSTRAINTS_OID).toString('hex'));
  if (nameConstraints === undefined) return 'has no name constraints, so it could vouch for any site';
  if (!has(BASIC_CONSTRAINTS_OID, basicConstraintsValue())) return 'has no path length limit of 0';
  if (!has(NAME_CONSTRAINTS_OID, nameConstraintsValue(names))) {
    return `permits other names than the ones configured now (${names.constraints.map(constraintText).join(', ')})`;
  }
  return undefined;
}
