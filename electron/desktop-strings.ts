// Words main shows itself (menus, tray, notifications, dialogs) in the dashboard's two languages.
// The locale comes from the OS (app.getLocale()); the dashboard has its own switch.

export interface DesktopStrings {
  openDashboard: string;
  settings: string;
  openSite: string;
  noSites: string;
  startStack: string;
  stopStack: string;
  quit: string;
  about: string;
  showDataFolder: string;
  showLogFolder: string;
  file: string;
  help: string;
  stateRunning: (count: number) => string;
  stateFailed: (ids: string) => string;
  stateStarting: string;
  stateStopping: string;
  stateStopped: string;
  childFailedTitle: (id: string) => string;
  childFailedBody: (reason: string) => string;
  caExpiringTitle: string;
  caExpiringBody: (days: number, date: string) => string;
  caExpiredBody: (date: string) => string;
  certsExpiringTitle: string;
  startFailedTitle: string;
  chooseFolder: string;
  chooseFile: string;
}

const en: DesktopStrings = {
  openDashboard: 'Open Dashboard',
  settings: 'Settings…',
  openSite: 'Open Site',
  noSites: 'No sites with a plain name',
  startStack: 'Start Berth',
  stopStack: 'Stop Berth',
  quit: 'Quit Berth',
  about: 'About Berth',
  showDataFolder: 'Show Data Folder',
  showLogFolder: 'Show Log Folder',
  file: 'File',
  help: 'Help',
  stateRunning: (count) => `Berth: all ${count} services running`,
  stateFailed: (ids) => `Berth: ${ids} failed`,
  stateStarting: 'Berth: starting…',
  stateStopping: 'Berth: stopping…',
  stateStopped: 'Berth: stopped',
  childFailedTitle: (id) => `Berth: ${id} stopped after repeated crashes`,
  childFailedBody: (reason) => `${reason}\nOpen the dashboard for its last output; saving a config retries it.`,
  caExpiringTitle: 'Berth: local CA expires soon',
  caExpiringBody: (days, date) => `The local certificate authority expires in ${days} day${days === 1 ? '' : 's'} (${date}). Create a new one from the Certificates page.`,
  caExpiredBody: (date) => `The local certificate authority expired on ${date}. HTTPS sites will show certificate errors until a new one is created.`,
  certsExpiringTitle: 'Berth: certificates expire soon',
  startFailedTitle: 'Berth could not start',
  chooseFolder: 'Choose a folder',
  chooseFile: 'Choose a file',
};

const zhCN: DesktopStrings = {
  openDashboard: '打开控制台',
  settings: '设置…',
  openSite: '打开站点',
  noSites: '没有可直接打开的站点名',
  startStack: '启动 Berth',
  stopStack: '停止 Berth',
  quit: '退出 Berth',
  about: '关于 Berth',
  showDataFolder: '显示数据文件夹',
  showLogFolder: '显示日志文件夹',
  file: '文件',
  help: '帮助',
  stateRunning: (count) => `Berth：全部 ${count} 个服务运行中`,
  stateFailed: (ids) => `Berth：${ids} 已失败`,
  stateStarting: 'Berth：正在启动…',
  stateStopping: 'Berth：正在停止…',
  stateStopped: 'Berth：已停止',
  childFailedTitle: (id) => `Berth：${id} 反复崩溃后已停止`,
  childFailedBody: (reason) => `${reason}\n在控制台中查看它最后的输出；保存一次配置会重新尝试启动。`,
  caExpiringTitle: 'Berth：本地 CA 即将过期',
  caExpiringBody: (days, date) => `本地证书颁发机构将在 ${days} 天后过期（${date}）。请在“证书”页面新建一个。`,
  caExpiredBody: (date) => `本地证书颁发机构已于 ${date} 过期。在新建之前，HTTPS 站点会显示证书错误。`,
  certsExpiringTitle: 'Berth：证书即将过期',
  startFailedTitle: 'Berth 无法启动',
  chooseFolder: '选择文件夹',
  chooseFile: '选择文件',
};

/** zh-CN for any Chinese locale Electron reports (`zh-CN`, `zh-Hans`, `zh-TW`…), English otherwise. */
export function desktopStrings(locale: string): DesktopStrings {
  return /^zh\b/i.test(locale) ? zhCN : en;
}
