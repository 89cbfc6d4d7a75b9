// A trust store's state in the user's language (the Certificates page's doctor and Settings'
// summary). Literal `t('…')` calls so test/unit/i18n-keys.test.ts can check every key exists.
import { useI18n } from 'vue-i18n';
import type { TrustState } from '../../../server-core/contract/certs.js';

export function useTrustLabels() {
  const { t } = useI18n();

  function stateLabel(s: TrustState): string {
    switch (s) {
      case 'trusted':
        return t('certificates.trust.state.trusted');
      case 'not-trusted':
        return t('certificates.trust.state.notTrusted');
      case 'partial':
        return t('certificates.trust.state.partial');
      case 'unavailable':
        return t('certificates.trust.state.unavailable');
    }
  }

  return { stateLabel };
}
