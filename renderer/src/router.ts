// Routes, one per sidebar entry. Hash history: the dashboard works from any base (admin server or file).
import { createRouter, createWebHashHistory } from 'vue-router';
import type { RouteRecordRaw } from 'vue-router';
import ImportDialog from './components/ImportDialog.vue';
import AppsView from './views/AppsView.vue';
import CertificatesView from './views/CertificatesView.vue';
import LogsView from './views/LogsView.vue';
import MetricsView from './views/MetricsView.vue';
import OverviewView from './views/OverviewView.vue';
import SettingsView from './views/SettingsView.vue';
import SitesView from './views/SitesView.vue';
import UpstreamsView from './views/UpstreamsView.vue';

export const PAGES = ['overview', 'sites', 'upstreams', 'apps', 'certificates', 'logs', 'metrics', 'settings'] as const;
export type PageId = (typeof PAGES)[number];

declare module 'vue-router' {
  interface RouteMeta {
    page?: PageId;
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'overview', component: OverviewView, meta: { page: 'overview' } },
  { path: '/sites', name: 'sites', component: SitesView, meta: { page: 'sites' } },
  { path: '/sites/import', name: 'import', component: ImportDialog, meta: { page: 'sites' } },
  { path: '/upstreams', name: 'upstreams', component: UpstreamsView, meta: { page: 'upstreams' } },
  { path: '/apps', name: 'apps', component: AppsView, meta: { page: 'apps' } },
  { path: '/certificates', name: 'certificates', component: CertificatesView, meta: { page: 'certificates' } },
  { path: '/logs', name: 'logs', component: LogsView, meta: { page: 'logs' } },
  { path: '/metrics', name: 'metrics', component: MetricsView, meta: { page: 'metrics' } },
  { path: '/settings', name: 'settings', component: SettingsView, meta: { page: 'settings' } },
  { path: '/:pathMatch(.*)*', redirect: '/' },
];

export function createAppRouter() {
  return createRouter({ history: createWebHashHistory(), routes });
}
