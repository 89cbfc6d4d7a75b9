// The one place that loads @peculiar/x509. It resolves its services through tsyringe, which
// needs the Reflect metadata polyfill loaded first; and it must sign with Node's own WebCrypto.
// Every other certs/ module imports `x509` from here, never from the package directly.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };
