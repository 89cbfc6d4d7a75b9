// `berth serve`: the whole core, headless, until SIGINT/SIGTERM.
import { resolve } from 'node:path';
import type { BerthConfig } from '../config/schema.js';
import { siteListens, type SitePorts } from '../config/site-listens.js';
import { defaultDataDir } from '../paths.js';
import { startStack } from '../stack.js';
import { NodeChildLauncher } from '../supervisor/child-launcher.js';
import { countOption, parseStrict, portOption } from './args.js';
import { MAX_PROXY_WORKERS } from '../supervisor/proxy-workers.js';
import { openInBrowser } from './open-url.js';
import { SERVE_USAGE } from './usage.js';

/** One line per site with a name a browser can open (not a wildcard or regex): its first plain and first TLS URL. */
function siteLines(config: BerthConfig, ports: SitePorts): string[] {
  return config.sites.map((site, i) => {
    const name = site.names.find((n) => !n.startsWith('~') && !n.includes('*')) ?? site.names[0];
    const listens = siteListens(site, ports);
    const plain = listens.find((l) => !l.tls);
    const tls = listens.find((l) => l.tls);
    const urls = [plain ? `http://${name}:${plain.port}/` : null, tls ? `https://${name}:${tls.port}/` : null].filter((u) => u !== null);
    return `  ${i === 0 ? 'sites' : '     '}      ${urls.join('  ')}`;
  });
}

export async function serveCommand(args: string[]): Promise<number> {
  const opts = parseStrict(args, {
    'admin-port': { type: 'string' },
    'http-port': { type: 'string' },
    'https-port': { type: 'string' },
    'proxy-workers': { type: 'string' },
    'no-open': { type: 'boolean' },
    'data-dir': { type: 'string' },
  });
  if (opts.flag('help')) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  const dataDirFlag = opts.string('data-dir');
  const dataDir = dataDirFlag ? resolve(dataDirFlag) : defaultDataDir();
  const stack = await startStack({
    dataDir,
    launcher: new NodeChildLauncher(),
    mode: 'headless',
    adminPort: portOption('admin-port', opts.string('admin-port')),
    httpPort: portOption('http-port', opts.string('http-port')),
    httpsPort: portOption('https-port', opts.string('https-port')),
    proxyWorkers: countOption('proxy-workers', opts.string('proxy-workers'), 1, MAX_PROXY_WORKERS),
    log: (line) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`),
  });

  const status = stack.status();
  const proxy = status.children.find((c) => c.role === 'proxy');
  const listening = Array.isArray(proxy?.detail.listening) ? (proxy.detail.listening as Array<{ address: string; port: number; protocol: string }>) : [];
  const lines = [
    '',
    `Berth ${status.berth.version} is running.`,
    `  dashboard  ${stack.dashboardUrl}`,
    ...siteLines(stack.currentConfig(), status.proxy),
    `  proxy      ${listening.map((l) => `${l.protocol}://${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`).join(', ') || 'not listening'}`,
    `  data dir   ${stack.dataDir}`,
    'Press Ctrl+C to stop.',
    '',
  ];
  console.log(lines.join('\n'));
  if (!opts.flag('no-open')) openInBrowser(stack.dashboardUrl);

  return new Promise<number>((resolveExit) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        console.error(`berth: ${signal} again, exiting without waiting`);
        process.exit(1);
      }
      signalled = true;
      console.log(`${signal}: stopping…`);
      stack.stop().then(
        () => {
          console.log('Berth stopped.');
          resolveExit(0);
        },
        (e: unknown) => {
          console.error(`berth: error while stopping: ${e instanceof Error ? e.message : String(e)}`);
          resolveExit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
