#!/usr/bin/env node
// Renders assets/icon.svg (the one source) to the PNGs the app and the installers use:
//   assets/icon.png  512×512  window / dock icon
//   assets/tray.png   32×32   tray icon (plain)
//   assets/tray-{running,failed,stopped}.png  32×32  tray icon with a state dot (electron/tray-state.ts)
//   build/icon.png  1024×1024 electron-builder makes .ico / .icns from it (it needs at least 512×512)
// Uses a local Chromium through playwright-core: CHROMIUM_PATH, else /usr/bin/chromium.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const source = join(root, 'assets', 'icon.svg');
const outputs = [
  { file: join(root, 'assets', 'icon.png'), size: 512 },
  { file: join(root, 'assets', 'tray.png'), size: 32 },
  // Green / red / grey dots, distinct in hue and in lightness for colour-blind users.
  { file: join(root, 'assets', 'tray-running.png'), size: 32, badge: '#22c55e' },
  { file: join(root, 'assets', 'tray-failed.png'), size: 32, badge: '#ef4444' },
  { file: join(root, 'assets', 'tray-stopped.png'), size: 32, badge: '#9ca3af' },
  { file: join(root, 'build', 'icon.png'), size: 1024 },
];

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const svg = readFileSync(source);
const dataUrl = `data:image/svg+xml;base64,${svg.toString('base64')}`;

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
}).catch((err) => {
  console.error(`make-icons: cannot start Chromium at ${executablePath} (${err.message.split('\n')[0]}); install it or set CHROMIUM_PATH`);
  process.exit(1);
});
try {
  for (const { file, size, badge } of outputs) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:transparent;position:relative"><img id="i" src="${dataUrl}" width="${size}" height="${size}" style="display:block">` +
        (badge
          ? `<div style="position:absolute;right:0;bottom:0;width:${size * 0.45}px;height:${size * 0.45}px;box-sizing:border-box;border-radius:50%;background:${badge};border:${Math.max(1, size / 16)}px solid #0c2340"></div>`
          : '') +
        '</body></html>',
    );
    await page.locator('#i').evaluate((img) => img.decode());
    mkdirSync(dirname(file), { recursive: true });
    await page.screenshot({ path: file, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    await page.close();
    console.log(`wrote ${file.slice(root.length + 1)} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
