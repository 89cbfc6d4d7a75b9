// Dashboard entry: Pinia, router and i18n, then the shell. The language store drives vue-i18n.
import { createApp, watch } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createAppI18n } from './i18n.js';
import { createAppRouter } from './router.js';
import { usePreferencesStore } from './stores/preferences.js';
import './styles/main.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);

const preferences = usePreferencesStore(pinia);
const i18n = createAppI18n(preferences.locale);
watch(
  () => preferences.locale,
  (locale) => {
    i18n.global.locale.value = locale;
  },
);

app.use(i18n);
app.use(createAppRouter());
app.mount('#app');
