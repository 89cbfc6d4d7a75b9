// Where the dashboard window may go. It shows one origin, the admin server's; anything else is
// either handed to the user's browser (http/https) or dropped (file:, javascript:, custom schemes).
// Electron's checklist: https://www.electronjs.org/docs/latest/tutorial/security

export type NavigationDecision = 'allow' | 'open-external' | 'deny';

/** The origin of `url` (`http://127.0.0.1:7700`), or null when it does not parse or has none. */
export function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

export function isAdminUrl(url: string, adminOrigin: string): boolean {
  return originOf(url) === adminOrigin;
}

/** True for absolute http(s) URLs, the only kind handed to the OS browser. */
export function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** A main-frame navigation: stays only inside the admin origin. */
export function decideNavigation(url: string, adminOrigin: string): NavigationDecision {
  if (isAdminUrl(url, adminOrigin)) return 'allow';
  return isWebUrl(url) ? 'open-external' : 'deny';
}

/**
 * `window.open` / target=_blank: Berth has one window, so no new Electron window opens.
 * Off-origin web links go to the browser; admin-origin URLs are refused too, since a browser
 * would not have the token anyway.
 */
export function decideNewWindow(url: string, adminOrigin: string): Exclude<NavigationDecision, 'allow'> {
  if (isAdminUrl(url, adminOrigin)) return 'deny';
  return isWebUrl(url) ? 'open-external' : 'deny';
}
