/**
 * Distinguished names and the X.509 extensions a Key Vault policy asks for (subject alternative names, key usage,
 * enhanced key usage), in both directions.
 *
 * Subjects are strings as Key Vault and Windows write them: "CN=example.com, O=Contoso, C=US", most specific first.
 * As in RFC 4514 that is the reverse of the encoded order, so such a subject encodes C, O, CN as CAs issue them, and
 * parsing a certificate gives back the same string. The parser is written here rather than borrowed from
 * @peculiar/x509 because that one silently skips text it cannot read, and a bad subject must be an error.
 */
import { isIP } from 'node:net';
import * as asn1js from 'asn1js';
import { x509 } from '../x509-lib.js';
import { badInput } from './errors.js';
import { KEY_USAGES, type KeyUsageName } from './usages.js';

export { KEY_USAGES, type KeyUsageName };

interface AttributeType {
  readonly oid: string;
  /** The name used when writing a subject; .NET and Key Vault say S for state and E for e-mail. */
  readonly name: string;
  /** Other spellings accepted on input, upper case (OpenSSL and RFC 4514 names, and @peculiar/x509's). */
  readonly aliases: readonly string[];
  /** RFC 5280 asks for UTF8String except for the few attributes whose syntax is narrower. */
  readonly encoding: 'utf8String' | 'printableString' | 'ia5String';
}

const ATTRIBUTE_TYPES: readonly AttributeType[] = [
  { oid: '2.5.4.3', name: 'CN', aliases: ['COMMONNAME'], encoding: 'utf8String' },
  { oid: '2.5.4.4', name: 'SN', aliases: ['SURNAME'], encoding: 'utf8String' },
  { oid: '2.5.4.5', name: 'SERIALNUMBER', aliases: [], encoding: 'printableString' },
  { oid: '2.5.4.6', name: 'C', aliases: ['COUNTRYNAME'], encoding: 'printableString' },
  { oid: '2.5.4.7', name: 'L', aliases: ['LOCALITYNAME'], encoding: 'utf8String' },
  { oid: '2.5.4.8', name: 'S', aliases: ['ST', 'STATEORPROVINCENAME'], encoding: 'utf8String' },
  { oid: '2.5.4.9', name: 'STREET', aliases: ['STREETADDRESS'], encoding: 'utf8String' },
  { oid: '2.5.4.10', name: 'O', aliases: ['ORGANIZATIONNAME'], encoding: 'utf8String' },
  { oid: '2.5.4.11', name: 'OU', aliases: ['ORGANIZATIONALUNITNAME'], encoding: 'utf8String' },
  { oid: '2.5.4.12', name: 'T', aliases: ['TITLE'], encoding: 'utf8String' },
  { oid: '2.5.4.17', name: 'PostalCode', aliases: [], encoding: 'utf8String' },
  { oid: '2.5.4.42', name: 'G', aliases: ['GIVENNAME'], encoding: 'utf8String' },
  { oid: '2.5.4.43', name: 'I', aliases: ['INITIALS'], encoding: 'utf8String' },
  { oid: '0.9.2342.19200300.100.1.1', name: 'UID', aliases: ['USERID'], encoding: 'utf8String' },
  { oid: '0.9.2342.19200300.100.1.25', name: 'DC', aliases: ['DOMAINCOMPONENT'], encoding: 'ia5String' },
  { oid: '1.2.840.113549.1.9.1', name: 'E', aliases: ['EMAIL', 'EMAILADDRESS'], encoding: 'ia5String' },
];

const OID = /^[0-2](\.(0|[1-9]\d*))+$/;

const isOid = (value: string): boolean => OID.test(value);

function attributeType(label: string): { oid: string; type: AttributeType | undefined } {
  const upper = label.toUpperCase();
  const type = ATTRIBUTE_TYPES.find((t) => t.name.toUpperCase() === upper || t.aliases.includes(upper));
  if (type) return { oid: type.oid, type };
  const oid = upper.startsWith('OID.') ? label.slice(4) : label;
  if (isOid(oid)) return { oid, type: ATTRIBUTE_TYPES.find((t) => t.oid === oid) };
  throw badInput(`the subject names an unknown attribute type '${label}'`);
}

interface Attribute {
  oid: string;
  value: string;
}

const SEPARATORS = ',;+';

/**
 * Splits a subject into RDNs of attributes, in the order written. Accepts RFC 4514 escapes (\, and \2C), quoted
 * values ("Contoso, Inc.") and both ',' and ';' between RDNs, as Windows does; '+' joins a multi-valued RDN.
 */
function splitSubject(subject: string): Attribute[][] {
  const rdns: Attribute[][] = [];
  let current: Attribute[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw badInput(`the subject ${JSON.stringify(subject)} is not a distinguished name: ${what}`);
  };
  while (i < subject.length) {
    const equals = subject.indexOf('=', i);
    if (equals < 0) fail(`'${subject.slice(i).trim()}' has no '='`);
    const label = subject.slice(i, equals).trim();
    if (label.length === 0) fail('an attribute type is missing before =');
    const { oid } = attributeType(label);
    i = equals + 1;
    while (subject[i] === ' ') i++;
    const bytes: number[] = [];
    const pushText = (text: string): void => {
      bytes.push(...Buffer.from(text, 'utf8'));
    };
    let trailingSpaces = 0;
    if (subject[i] === '"') {
      i++;
      while (i < subject.length && subject[i] !== '"') {
        if (subject[i] === '\\' && i + 1 < subject.length) i++;
        pushText(subject[i] as string);
        i++;
      }
      if (subject[i] !== '"') fail('a quoted value is not closed');
      i++;
      while (subject[i] === ' ') i++;
      if (i < subject.length && !SEPARATORS.includes(subject[i] as string)) fail('text follows a quoted value');
    } else {
      if (subject[i] === '#') fail('hex-encoded (#) attribute values are not supported');
      while (i < subject.length && !SEPARATORS.includes(subject[i] as string)) {
        const char = subject[i] as string;
        if (char === '\\') {
          const hex = subject.slice(i + 1, i + 3);
          if (/^[0-9a-fA-F]{2}$/.test(hex)) {
            bytes.push(parseInt(hex, 16));
            i += 3;
          } else if (i + 1 < subject.length) {
            pushText(subject[i + 1] as string);
            i += 2;
          } else {
            fail('it ends with a lone backslash');
          }
          trailingSpaces = 0;
          continue;
        }
        if (char === '"') fail('a quote appears inside an unquoted value');
        pushText(char);
        trailingSpaces = char === ' ' ? trailingSpaces + 1 : 0;
        i++;
      }
    }
    const raw = Buffer.from(bytes.slice(0, bytes.length - trailingSpaces));
    let value: string;
    try {
      value = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return fail(`the value of ${label} is not valid UTF-8`);
    }
    if (value.length === 0) fail(`the value of ${label} is empty`);
    current.push({ oid, value });
    const separator = subject[i];
    i++;
    if (separator !== '+') {
      rdns.push(current);
      current = [];
      if (separator !== undefined && subject.slice(i).trim().length === 0) fail(`it ends with '${separator}'`);
    }
  }
  if (current.length > 0) fail("it ends with '+'");
  if (rdns.length === 0) fail('it is empty');
  return rdns;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A subject string as the library's Name, encoded in reverse of the written order (see the file comment). */
export function parseSubject(subject: string): x509.Name {
  if (typeof subject !== 'string') throw badInput('the subject is not a string');
  const rdns = splitSubject(subject).reverse();
  const json = rdns.map((rdn) => {
    const entry: Record<string, { utf8String?: string; printableString?: string; ia5String?: string }[]> = {};
    for (const { oid, value } of rdn) {
      const encoding = ATTRIBUTE_TYPES.find((t) => t.oid === oid)?.encoding ?? 'utf8String';
      if (encoding === 'printableString' && !PRINTABLE.test(value)) {
        throw badInput(`the subject value ${JSON.stringify(value)} is not a PrintableString`);
      }
      if (encoding === 'ia5String' && !/^[\x00-\x7f]*$/.test(value)) {
        throw badInput(`the subject value ${JSON.stringify(value)} is not ASCII`);
      }
      (entry[oid] ??= []).push({ [encoding]: value });
    }
    return entry;
  });
  return new x509.Name(json);
}

/** RFC 4514 escaping: the specials anywhere, and a leading '#' or space and a trailing space. */
const escapeValue = (value: string): string =>
  value
    .replace(/[\\,+"<>;]/g, (char) => `\\${char}`)
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');

/**
 * A distinguished name (DER) as a subject string in the Key Vault form, most specific RDN first. The name is walked
 * with asn1js rather than read through @peculiar/x509's Name.toJSON, which writes a non-string value and a string
 * that begins with '#' alike, where RFC 4514 must tell them apart ('#' + hex BER versus an escaped '\#').
 */
export function formatName(der: ArrayBuffer): string {
  const malformed = () => badInput('the distinguished name is malformed');
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) throw malformed();
  const rdns = parsed.result.valueBlock.value.map((rdn) => {
    if (!(rdn instanceof asn1js.Set)) throw malformed();
    return rdn.valueBlock.value
      .map((attribute) => {
        const [type, value] = attribute instanceof asn1js.Sequence ? attribute.valueBlock.value : [];
        if (!(type instanceof asn1js.ObjectIdentifier) || value === undefined) throw malformed();
        const oid = type.valueBlock.toString();
        const name = ATTRIBUTE_TYPES.find((t) => t.oid === oid)?.name ?? `OID.${oid}`;
        const text =
          value instanceof asn1js.BaseStringBlock
            ? escapeValue(value.getValue())
            : `#${Buffer.from(value.toBER()).toString('hex')}`;
        return `${name}=${text}`;
      })
      .join('+');
  });
  return rdns.reverse().join(', ');
}

function keyUsageFlags(names: readonly string[]): number {
  let flags = 0;
  for (const name of names) {
    const known = KEY_USAGES.find((usage) => usage === name);
    if (known === undefined) throw badInput(`'${name}' is not a key usage (expected one of ${KEY_USAGES.join(', ')})`);
    flags |= x509.KeyUsageFlags[known];
  }
  return flags;
}

export const keyUsageNames = (flags: number): KeyUsageName[] =>
  KEY_USAGES.filter((name) => (flags & x509.KeyUsageFlags[name]) !== 0);

/** The policy fields that become extensions; the same for a self-signed certificate and a CSR. */
export interface X509Properties {
  dnsNames?: string[];
  emails?: string[];
  upns?: string[];
  uris?: string[];
  ipAddresses?: string[];
  keyUsage?: string[];
  ekus?: string[];
  /**
   * The policy's basic_constraints.ca: true or false writes a critical basicConstraints extension saying so.
   * Omitted, a certificate gets CA:true only when its key usage includes keyCertSign.
   */
  ca?: boolean;
}

const ASCII_NAME = /^[\x21-\x7e]+$/;

function altNames(props: X509Properties): x509.JsonGeneralName[] {
  const names: x509.JsonGeneralName[] = [];
  const add = (type: x509.JsonGeneralName['type'], values: string[] | undefined, check: (v: string) => boolean) => {
    for (const value of values ?? []) {
      if (typeof value !== 'string' || !check(value)) {
        throw badInput(`${JSON.stringify(value)} is not a valid ${type} name`);
      }
      names.push({ type, value });
    }
  };
  // DNS names, e-mails and URIs are IA5Strings: printable ASCII without spaces.
  add('dns', props.dnsNames, (v) => ASCII_NAME.test(v));
  add('email', props.emails, (v) => ASCII_NAME.test(v) && v.includes('@'));
  add('upn', props.upns, (v) => v.trim().length > 0);
  add('url', props.uris, (v) => ASCII_NAME.test(v) && v.includes(':'));
  add('ip', props.ipAddresses, (v) => isIP(v) !== 0);
  return names;
}

/**
 * The extensions for `props`: SANs (non-critical, since there is always a subject), key usage (critical, as RFC 5280
 * recommends), basic constraints and EKU. Unless `ca` says otherwise, a key usage with keyCertSign brings
 * basicConstraints CA:true, which RFC 5280 requires of any certificate asserting it and without which OpenSSL will
 * not accept the certificate as an issuer.
 */
export function policyExtensions(props: X509Properties): x509.Extension[] {
  const extensions: x509.Extension[] = [];
  const names = altNames(props);
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const usage = keyUsageFlags(props.keyUsage ?? []);
  if (usage !== 0) extensions.push(new x509.KeyUsagesExtension(usage, true));
  const ca = props.ca ?? ((usage & x509.KeyUsageFlags.keyCertSign) !== 0 ? true : undefined);
  if (ca !== undefined) extensions.push(new x509.BasicConstraintsExtension(ca, undefined, true));
  const ekus = props.ekus ?? [];
  for (const eku of ekus) {
    if (typeof eku !== 'string' || !isOid(eku)) {
      throw badInput(`${JSON.stringify(eku)} is not an EKU object identifier`);
    }
  }
  if (ekus.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(ekus, false));
  return extensions;
}
