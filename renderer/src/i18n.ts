// vue-i18n setup: English and Simplified Chinese, English as the fallback.
// Messages are plain JSON compiled at runtime by vue-i18n's JIT compiler (AST, no eval: see vite.config.ts).
import { createI18n } from 'vue-i18n';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';

export const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const;
export type AppLocale = (typeof SUPPORTED_LOCALES)[number];

/** en.json is the source of truth: zh-CN must have the same keys (checked here and by test/unit/i18n-keys.test.ts). */
export type MessageSchema = typeof en;

export function isAppLocale(v: unknown): v is AppLocale {
  return typeof v === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(v);
}

/** A saved choice wins; else the first browser language we have (any `zh*` → zh-CN); else English. */
export function pickLocale(saved: string | null, browserLanguages: readonly string[]): AppLocale {
  if (isAppLocale(saved)) return saved;
  for (const lang of browserLanguages) {
    const l = lang.toLowerCase();
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

export function createAppI18n(locale: AppLocale) {
  return createI18n<[MessageSchema], AppLocale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, 'zh-CN': zhCN },
  });
}

export type AppI18n = ReturnType<typeof createAppI18n>;
