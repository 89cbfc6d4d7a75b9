// The cert service's request methods (supervisor.request('certs', method, params)), with their
// params checked at this boundary. Every answer is a CertRpcResult so a refusal keeps its field
// path and hint on the way to the API (the plain RPC error carries only code and message).
import { z } from 'zod';
import type { TrustStoreId } from '../contract/certs.js';
import { isBerthError } from '../errors.js';
import type { RequestHandlers } from '../supervisor/child-rpc.js';
import type { CertService } from './cert-service.js';
import { CertImportError } from './import.js';
import { KEY_TYPES } from './keys.js';
import { TRUST_STORE_IDS } from './trust/index.js';

export type CertRpcResult<T = unknown> = { ok: true; value: T } | { ok: false; error: { code: string; message: string; hint?: string; path?: string } };

const id = z.string().min(1).max(100);
const pem = z.string().max(512 * 1024);
const storeIds = z.array(z.enum(TRUST_STORE_IDS as [TrustStoreId, ...TrustStoreId[]])).optional();

export const rpcParams = {
  issue: z.strictObject({
    names: z.array(z.string().max(253)).min(1, 'give at least one name, such as app.localhost').max(100),
    keyType: z.enum(KEY_TYPES as unknown as ['ecdsa-p256', 'rsa-3072']).optional(),
    validityDays: z.number().int().min(1).max(824).optional(),
    id: id.optional(),
  }),
  import: z.strictObject({ certPem: pem, keyPem: pem, chainPem: pem.optional(), id: id.optional() }),
  export: z.strictObject({ id, format: z.enum(['pem', 'p12']), password: z.string().max(1024).optional() }),
  byId: z.strictObject({ id }),
  trust: z.strictObject({ stores: storeIds, dryRun: z.boolean().optional() }),
};

function refusal(e: unknown): CertRpcResult<never> {
  if (e instanceof z.ZodError) {
    const issue = e.issues[0];
    return { ok: false, error: { code: 'BERTH_ERR_BAD_REQUEST', message: issue?.message ?? 'bad parameters', path: issue?.path.join('.') ?? '' } };
  }
  if (isBerthError(e)) {
    const error: { code: string; message: string; hint?: string; path?: string } = { code: e.code, message: e.message };
    if (e.hint) error.hint = e.hint;
    if (e instanceof CertImportError) error.path = e.field;
    else if (e.code === 'BERTH_ERR_CERT_NAME') error.path = 'names';
    else if (e.code === 'BERTH_ERR_CERT_ID' || e.code === 'BERTH_ERR_CERT_EXISTS') error.path = 'id';
    else if (e.code === 'BERTH_ERR_CERT_EXPORT') error.path = 'password';
    return { ok: false, error };
  }
  throw e;
}

async function answer<T>(fn: () => Promise<T> | T): Promise<CertRpcResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return refusal(e);
  }
}

export function certRpcHandlers(service: CertService): RequestHandlers {
  return {
    'ca.info': () => answer(() => ({ ca: service.caSummary(), pem: service.caCertPem() })),
    list: () => answer(() => service.list()),
    get: (p) => answer(() => service.get(rpcParams.byId.parse(p).id)),
    issue: (p) => answer(() => service.issue(rpcParams.issue.parse(p))),
    import: (p) => answer(() => service.import(rpcParams.import.parse(p))),
    export: (p) =>
      answer(() => {
        const { id: certId, ...req } = rpcParams.export.parse(p);
        return service.export(certId, req);
      }),
    delete: (p) => answer(() => service.delete(rpcParams.byId.parse(p).id).then(() => ({ deleted: true }))),
    'trust.status': () => answer(() => service.trustStatus()),
    'trust.install': (p) => answer(() => service.trust('install', rpcParams.trust.parse(p ?? {}))),
    'trust.uninstall': (p) => answer(() => service.trust('uninstall', rpcParams.trust.parse(p ?? {}))),
  };
}
