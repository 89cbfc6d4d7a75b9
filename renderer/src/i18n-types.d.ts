// Gives editors completion for `t('…')` keys from en.json. vue-i18n's `t` still accepts any string,
// so the real check that every used key exists is test/unit/i18n-keys.test.ts.
import type en from './locales/en.json';

type MessageSchema = typeof en;

declare module 'vue-i18n' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  export interface DefineLocaleMessage extends MessageSchema {}
}
