// The window's guard rails, after Electron's security checklist
// (https://www.electronjs.org/docs/latest/tutorial/security): no permissions, the CSP on every
// admin response, navigation locked to the admin origin, no new windows, no <webview>.
import type { Session, WebContents } from 'electron';
import { withHeader } from './csp.js';
import { decideNavigation, decideNewWindow, originOf } from './url-policy.js';

export interface GuardOptions {
  adminOrigin: string;
  /** Hands an http(s) URL to the user's browser. */
  openExternal(url: string): void;
  log(line: string): void;
}

/** Denies every permission (camera, notifications, clipboard-read…) and sets the CSP on admin responses. */
export function hardenSession(session: Session, adminOrigin: string, csp: string): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    if (originOf(details.url) !== adminOrigin) {
      callback({});
      return;
    }
    callback({ responseHeaders: withHeader(details.responseHeaders ?? {}, 'Content-Security-Policy', csp) });
  });
}

/** Applied to every WebContents the app creates (app 'web-contents-created'). */
export function guardContents(contents: WebContents, options: GuardOptions): void {
  const { adminOrigin } = options;
  const leave = (url: string, decision: 'open-external' | 'deny', what: string): void => {
    if (decision === 'open-external') {
      options.openExternal(url);
    } else {
      options.log(`blocked ${what} to ${originOf(url) ?? 'a non-web URL'}`);
    }
  };

  contents.on('will-navigate', (event) => {
    const decision = decideNavigation(event.url, adminOrigin);
    if (decision === 'allow') return;
    event.preventDefault();
    leave(event.url, decision, 'navigation');
  });
  contents.on('will-redirect', (event) => {
    if (!event.isMainFrame || decideNavigation(event.url, adminOrigin) === 'allow') return;
    event.preventDefault();
    options.log(`blocked redirect to ${originOf(event.url) ?? 'a non-web URL'}`);
  });
  contents.setWindowOpenHandler(({ url }) => {
    leave(url, decideNewWindow(url, adminOrigin), 'new window');
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    options.log('blocked a <webview>');
  });
}
