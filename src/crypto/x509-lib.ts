/**
 * The one entry to @peculiar/x509. It resolves its algorithms through tsyringe, which needs the Reflect metadata
 * API at load time, so `reflect-metadata` is imported first (ES modules evaluate imports in order), and the library
 * is pointed at Node's WebCrypto once.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// The typings name the DOM `Crypto`, which this project (no DOM lib) does not declare; borrow the type from `get`.
x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);

export { x509 };
