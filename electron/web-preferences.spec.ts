import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardWebPreferences } from './web-preferences.js';

describe('dashboardWebPreferences', () => {
  it('isolates, sandboxes and keeps Node out of the renderer', () => {
    const prefs = dashboardWebPreferences('/app/dist/electron/preload.cjs');
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.preload, '/app/dist/electron/preload.cjs');
  });
});
