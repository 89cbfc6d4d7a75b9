// The X.509 name constraints extension (RFC 5280 4.2.1.10): only permitted subtrees, marked critical
// so a verifier that does not understand it rejects the chain instead of ignoring the limit.
// @peculiar/x509 has no class for it, so its ASN.1 schema comes from @peculiar/asn1-x509.
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import { x509 } from './x509.js';
import { formatNameConstraint, type NameConstraint } from './names.js';
import { formatCidr, parseCidr } from './ip.js';

export const NAME_CONSTRAINTS_OID = id_ce_nameConstraints;

export function nameConstraintsExtension(constraints: readonly NameConstraint[]): x509.Extension {
  const subtrees = constraints.map(
    (c) =>
      new GeneralSubtree({
        base:
          c.kind === 'dns'
            ? new GeneralName({ dNSName: c.domain })
            : // The schema's converter takes "address/prefix" text and writes address + mask octets.
              new GeneralName({ iPAddress: formatNameConstraint(c) }),
      }),
  );
  const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }));
  return new x509.Extension(NAME_CONSTRAINTS_OID, true, value);
}

/**
 * Permitted subtrees of a certificate, as text (`localhost`, `127.0.0.0/8`), or null when it has
 * no name constraints. Entries of other kinds (email, URI…) are listed as `<kind>:<value>`.
 */
export function readNameConstraints(cert: x509.X509Certificate): string[] | null {
  const ext = cert.getExtension(NAME_CONSTRAINTS_OID);
  if (!ext) return null;
  const parsed = AsnConvert.parse(ext.value, NameConstraints);
  return Array.from(parsed.permittedSubtrees ?? [], ({ base }) => {
    if (base.dNSName !== undefined) return base.dNSName;
    if (base.iPAddress !== undefined) {
      // The schema decodes address + mask octets to "address/prefix"; normalise it with our parser.
      const range = parseCidr(base.iPAddress);
      return range ? formatCidr(range) : `ip:${base.iPAddress}`;
    }
    const [kind, value] = Object.entries(base).find(([, v]) => v !== undefined) ?? ['unknown', ''];
    return `${kind}:${String(value)}`;
  });
}
