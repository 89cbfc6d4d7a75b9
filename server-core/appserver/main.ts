// The app server child: master of the user's app processes (uWSGI-style). The runtimes
// (wsgi, uwsgi, gunicorn, node, php-fpm, command) arrive with the app server issue and plug in
// here; until the config model has apps, this child runs and reports that it supervises none.
import type { BerthConfig } from '../config/schema.js';
import { openParentChannel } from '../supervisor/parent-channel.js';

const channel = openParentChannel();

/** Apps the config defines. The config model gains `apps` with the app server issue. */
function configuredApps(config: BerthConfig): unknown[] {
  const apps = (config as { apps?: unknown }).apps;
  return Array.isArray(apps) ? apps : [];
}

channel.onMessage((message) => {
  switch (message.type) {
    case 'init':
      channel.send({ type: 'ready', detail: { apps: configuredApps(message.config).length, configVersion: message.configVersion } });
      break;
    case 'config':
      channel.send({ type: 'detail', detail: { apps: configuredApps(message.config).length } });
      channel.send({ type: 'config-applied', configVersion: message.configVersion });
      break;
    case 'shutdown':
      process.exit(0);
  }
});
channel.onDisconnect(() => process.exit(0));
