import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MenuItemConstructorOptions } from 'electron';
import { CONFIG_SCHEMA_VERSION, configSchema } from '../server-core/config/schema.js';
import type { ChildStatus } from '../server-core/contract/api.js';
import { desktopStrings } from './desktop-strings.js';
import { appMenuTemplate, trayMenuTemplate } from './menu-templates.js';
import type { DesktopActions } from './menu-templates.js';
import { maxSiteEntries, siteUrls } from './site-urls.js';
import { trayState } from './tray-state.js';

const en = desktopStrings('en-US');

function child(id: string, state: ChildStatus['state']): ChildStatus {
  return { id, role: 'proxy', pid: 1, state, startedAt: null, uptimeMs: 0, restarts: 0, lastExit: null, lastError: null, nextRestartAt: null, detail: {} };
}

function recorder() {
  const calls: string[] = [];
  const actions: DesktopActions = {
    openDashboard: (route) => calls.push(`dashboard${route ?? ''}`),
    openUrl: (url) => calls.push(`url ${url}`),
    startStack: () => calls.push('start'),
    stopStack: () => calls.push('stop'),
    showDataFolder: () => calls.push('data'),
    showLogFolder: () => calls.push('logs'),
    about: () => calls.push('about'),
    quit: () => calls.push('quit'),
  };
  return { calls, actions };
}

function find(items: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions | undefined {
  for (const item of items) {
    if (item.id === id) return item;
    if (Array.isArray(item.submenu)) {
      const inner = find(item.submenu, id);
      if (inner) return inner;
    }
  }
  return undefined;
}

function click(item: MenuItemConstructorOptions | undefined): void {
  assert.ok(item?.click, 'menu item has no click handler');
  (item.click as () => void)();
}

describe('tray state', () => {
  const running = [child('proxy-1', 'running'), child('appserver', 'running'), child('certs', 'running')];

  it('is green only when every child runs', () => {
    assert.deepEqual(trayState('running', running, en), { phase: 'running', icon: 'running', tooltip: 'Berth: all 3 services running', up: true });
  });

  it('names the failed and restarting children', () => {
    const state = trayState('running', [child('proxy-1', 'failed'), child('appserver', 'backoff'), child('certs', 'running')], en);
    assert.deepEqual(state, { phase: 'running', icon: 'failed', tooltip: 'Berth: proxy-1, appserver failed', up: true });
  });

  it('shows stopped while the stack is down or moving', () => {
    assert.equal(trayState('stopped', [], en).icon, 'stopped');
    assert.equal(trayState('stopped', [], en).up, false);
    assert.equal(trayState('starting', [], en).tooltip, 'Berth: starting…');
    assert.equal(trayState('stopping', running, en).tooltip, 'Berth: stopping…');
    assert.equal(trayState('running', [child('proxy-1', 'starting')], en).icon, 'stopped');
  });

  it('speaks Chinese on a Chinese desktop', () => {
    assert.equal(trayState('stopped', [], desktopStrings('zh-CN')).tooltip, 'Berth：已停止');
    assert.equal(desktopStrings('zh-TW').quit, '退出 Berth');
    assert.equal(desktopStrings('fr').quit, 'Quit Berth');
  });
});

describe('site URLs', () => {
  it('lists plain names with the port each site is served on', () => {
    const config = configSchema.parse({
      schemaVersion: CONFIG_SCHEMA_VERSION,
      sites: [
        { id: 'a', names: ['welcome.localhost', '*.welcome.localhost', '~^x$', '_'] },
        { id: 'b', names: ['api.localhost'], listen: [{ port: 8443, tls: true }] },
        { id: 'c', names: ['plain.localhost', '::1'], listen: [{ port: 443, tls: true }, { port: 80 }] },
      ],
    });
    assert.deepEqual(siteUrls(config, 8080), [
      { label: 'welcome.localhost', url: 'http://welcome.localhost:8080/' },
      { label: 'api.localhost', url: 'https://api.localhost:8443/' },
      { label: 'plain.localhost', url: 'http://plain.localhost/' },
      { label: '::1', url: 'http://[::1]/' },
    ]);
  });

  it('stops at a menu-sized number of entries', () => {
    const sites = Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, names: [`s${i}.localhost`] }));
    const config = configSchema.parse({ schemaVersion: CONFIG_SCHEMA_VERSION, sites });
    assert.equal(siteUrls(config, 8080).length, maxSiteEntries);
  });
});

describe('tray menu', () => {
  const sites = [{ label: 'welcome.localhost', url: 'http://welcome.localhost:8080/' }];

  it('offers the dashboard, the sites and Stop while running', () => {
    const { calls, actions } = recorder();
    const items = trayMenuTemplate(trayState('running', [child('proxy-1', 'running')], en), sites, actions, en);
    assert.equal(find(items, 'state')?.label, 'Berth: all 1 services running');
    assert.equal(find(items, 'state')?.enabled, false);
    assert.equal(find(items, 'start-stack')?.enabled, false);
    assert.equal(find(items, 'stop-stack')?.enabled, true);
    click(find(items, 'open-dashboard'));
    const siteMenu = find(items, 'open-site')?.submenu as MenuItemConstructorOptions[];
    assert.deepEqual(siteMenu.map((i) => i.label), ['welcome.localhost']);
    click(siteMenu[0]);
    click(find(items, 'stop-stack'));
    click(find(items, 'quit'));
    assert.deepEqual(calls, ['dashboard', 'url http://welcome.localhost:8080/', 'stop', 'quit']);
  });

  it('offers only Start and Quit when stopped', () => {
    const { actions } = recorder();
    const items = trayMenuTemplate(trayState('stopped', [], en), [], actions, en);
    assert.equal(find(items, 'start-stack')?.enabled, true);
    assert.equal(find(items, 'stop-stack')?.enabled, false);
    assert.equal(find(items, 'open-dashboard')?.enabled, false);
    assert.equal(find(items, 'open-site')?.enabled, false);
    assert.deepEqual((find(items, 'open-site')?.submenu as MenuItemConstructorOptions[]).map((i) => [i.label, i.enabled]), [['No sites with a plain name', false]]);
  });
});

describe('application menu', () => {
  const up = trayState('running', [child('proxy-1', 'running')], en);

  it('follows macOS: app menu with About, Settings, Services, Quit', () => {
    const { calls, actions } = recorder();
    const menu = appMenuTemplate('darwin', up, actions, en, false);
    assert.equal(menu[0]?.label, 'Berth');
    const appItems = menu[0]?.submenu as MenuItemConstructorOptions[];
    assert.deepEqual(
      appItems.filter((i) => i.role).map((i) => i.role),
      ['about', 'services', 'hide', 'hideOthers', 'unhide'],
    );
    assert.equal(find(menu, 'settings')?.accelerator, 'CmdOrCtrl+,');
    assert.equal(find(menu, 'quit')?.accelerator, 'CmdOrCtrl+Q');
    assert.deepEqual(menu.slice(2).map((m) => m.role), ['editMenu', 'viewMenu', 'windowMenu', 'help']);
    click(find(menu, 'settings'));
    click(find(menu, 'show-log-folder'));
    assert.deepEqual(calls, ['dashboard/settings', 'logs']);
    assert.equal(find(menu, 'about'), undefined, 'macOS uses the about role');
  });

  it('follows Windows and Linux: File with Settings and Quit, About under Help', () => {
    for (const platform of ['win32', 'linux'] as const) {
      const { calls, actions } = recorder();
      const menu = appMenuTemplate(platform, up, actions, en, false);
      assert.deepEqual(menu.map((m) => m.label ?? m.role), ['File', 'editMenu', 'viewMenu', 'windowMenu', 'Help']);
      const file = menu[0]?.submenu as MenuItemConstructorOptions[];
      assert.deepEqual(file.filter((i) => i.id).map((i) => i.id), ['open-dashboard', 'settings', 'start-stack', 'stop-stack', 'quit']);
      click(find(menu, 'about'));
      click(find(menu, 'stop-stack'));
      assert.deepEqual(calls, ['about', 'stop']);
    }
  });

  it('shows developer tools only when asked (unpackaged builds)', () => {
    const { actions } = recorder();
    const roles = (devTools: boolean) => ((appMenuTemplate('linux', up, actions, en, devTools)[2]?.submenu as MenuItemConstructorOptions[]) ?? []).map((i) => i.role);
    assert.ok(roles(true).includes('toggleDevTools'));
    assert.ok(!roles(false).includes('toggleDevTools'));
  });
});
