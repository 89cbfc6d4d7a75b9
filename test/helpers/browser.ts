// Headless Chromium for the e2e tests: the system binary with the standard flags, one context and
// page, and the page's console errors and uncaught exceptions collected for a "no errors" check.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, BrowserContextOptions, LaunchOptions, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Headless in a container: no sandbox (no user namespaces), no GPU, no background traffic to Google. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The skip reason when the Chromium binary is missing, naming what the test needed it for. */
export function chromiumSkipReason(purpose: string): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found: install Chromium to run ${purpose}`;
}

/** Launches the system Chromium headless with the standard flags plus `extraArgs`. */
export function launchChromium(options: Omit<LaunchOptions, 'executablePath' | 'args'> & { extraArgs?: string[] } = {}): Promise<Browser> {
  const { extraArgs = [], ...rest } = options;
  return chromium.launch({ headless: true, ...rest, executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Console errors and uncaught exceptions of one page (a CSP violation logs a console error); `ignore` drops matching console lines. */
export function collectErrors(page: Page, ignore?: RegExp): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !ignore?.test(msg.text())) errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Filled as the page logs errors; tests may clear it with `errors.length = 0`. */
  errors: string[];
  /** Closes the context and the browser; never throws. */
  close(): Promise<void>;
}

export interface SessionOptions {
  context?: BrowserContextOptions;
  /** The page's default timeout for actions and waits, in ms. */
  timeout?: number;
  ignoreConsole?: RegExp;
}

/** A fresh headless Chromium with one context (English unless told) and one page collecting its errors. */
export async function openBrowserSession(options: SessionOptions = {}): Promise<BrowserSession> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ locale: 'en-US', ...options.context });
    const page = await context.newPage();
    page.setDefaultTimeout(options.timeout ?? 15_000);
    const errors = collectErrors(page, options.ignoreConsole);
    return {
      browser,
      context,
      page,
      errors,
      close: async () => {
        await context.close().catch(() => undefined);
        await browser.close().catch(() => undefined);
      },
    };
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw e;
  }
}
