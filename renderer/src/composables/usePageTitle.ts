// Keeps `document.title` and `<html lang>` in step with the page and the language.
import { watchEffect } from 'vue';
import { useI18n } from 'vue-i18n';
import { useRoute } from 'vue-router';
import type { PageId } from '../router.js';

export function usePageLabel() {
  const { t } = useI18n();
  /** The page's name as the sidebar shows it. */
  return function pageLabel(page: PageId): string {
    switch (page) {
      case 'overview':
        return t('nav.overview');
      case 'sites':
        return t('nav.sites');
      case 'upstreams':
        return t('nav.upstreams');
      case 'apps':
        return t('nav.apps');
      case 'certificates':
        return t('nav.certificates');
      case 'logs':
        return t('nav.logs');
      case 'metrics':
        return t('nav.metrics');
      case 'settings':
        return t('nav.settings');
    }
  };
}

export function useDocumentTitle(): void {
  const { t, locale } = useI18n();
  const route = useRoute();
  const pageLabel = usePageLabel();
  watchEffect(() => {
    document.documentElement.lang = locale.value;
    const page = route.meta.page;
    document.title = page ? t('app.documentTitle', { page: pageLabel(page) }) : t('app.name');
  });
}
