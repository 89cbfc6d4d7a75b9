// Keeps this worker's app backends current: the config's uwsgi/fastcgi upstreams on init and
// every config, the running apps' addresses on each `apps-updated` notice (appserver → stack →
// proxy). A listener of its own next to the worker's, so it never waits behind a config swap.
import type { AppRoutes } from '../../contract/apps.js';
import type { ParentChannel } from '../../supervisor/parent-channel.js';
import { appBackends } from './backends.js';

export function followAppBackends(channel: ParentChannel): void {
  channel.onMessage((message) => {
    if (message.type === 'init' || message.type === 'config') appBackends.setConfig(message.config);
    else if (message.type === 'notify' && message.topic === 'apps-updated') appBackends.setRoutes(message.data as AppRoutes);
  });
}
