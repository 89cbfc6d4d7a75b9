// The user's dashboard preferences: language and theme, kept in localStorage (per browser, not per stack).
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { AppLocale } from '../i18n.js';
import { isAppLocale, pickLocale } from '../i18n.js';

export type ThemePreference = 'light' | 'dark' | 'system';
export type ResolvedTheme = 'light' | 'dark';

const LOCALE_KEY = 'berth.locale';
const THEME_KEY = 'berth.theme';

function readStorage(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled (privacy mode): preferences last for this page only
  }
}

function writeStorage(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // see readStorage
  }
}

function isThemePreference(v: unknown): v is ThemePreference {
  return v === 'light' || v === 'dark' || v === 'system';
}

export function initialLocale(): AppLocale {
  return pickLocale(readStorage(LOCALE_KEY), navigator.languages?.length ? navigator.languages : [navigator.language]);
}

export const usePreferencesStore = defineStore('preferences', () => {
  const locale = ref<AppLocale>(initialLocale());
  const savedTheme = readStorage(THEME_KEY);
  const theme = ref<ThemePreference>(isThemePreference(savedTheme) ? savedTheme : 'system');

  const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');
  const systemDark = ref(darkQuery.matches);
  darkQuery.addEventListener('change', (e) => {
    systemDark.value = e.matches;
  });

  const resolvedTheme = ref<ResolvedTheme>('light');
  watch(
    [theme, systemDark],
    ([t, dark]) => {
      resolvedTheme.value = t === 'system' ? (dark ? 'dark' : 'light') : t;
      document.documentElement.dataset.theme = resolvedTheme.value;
    },
    { immediate: true },
  );

  function setLocale(next: string): void {
    if (!isAppLocale(next)) return;
    locale.value = next;
    writeStorage(LOCALE_KEY, next);
  }

  function setTheme(next: string): void {
    if (!isThemePreference(next)) return;
    theme.value = next;
    writeStorage(THEME_KEY, next);
  }

  /** The top bar's toggle: flips what is shown now and pins it (leaves "system"). */
  function toggleTheme(): void {
    setTheme(resolvedTheme.value === 'dark' ? 'light' : 'dark');
  }

  return { locale, theme, resolvedTheme, setLocale, setTheme, toggleTheme };
});
