// `reloadOnChange`: watch the app's folder and call back once per burst of source changes
// (an editor's save writes several files), ignoring virtualenvs, caches and VCS folders.
import { watch, type FSWatcher } from 'node:fs';

export interface CodeWatcher {
  close(): void;
}

const IGNORED_DIR = /(^|[/\\])(\.git|\.hg|node_modules|__pycache__|venv|\.venv|env|\.mypy_cache|\.pytest_cache)([/\\]|$)/;
const SOURCE = /\.(py|js|mjs|cjs|ts|php|html|jinja2?|json|ya?ml|toml|ini|env)$/i;
const DEBOUNCE_MS = 300;

export function watchCode(dir: string, onChange: (file: string) => void): CodeWatcher {
  let timer: NodeJS.Timeout | null = null;
  let last = '';
  let watcher: FSWatcher | null = null;
  try {
    // Recursive watching is native on macOS/Windows and built on inotify by Node 20 on Linux.
    watcher = watch(dir, { recursive: true, persistent: false }, (_event, name) => {
      const file = name?.toString() ?? '';
      if (file === '' || IGNORED_DIR.test(file) || !SOURCE.test(file)) return;
      last = file;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        onChange(last);
      }, DEBOUNCE_MS);
    });
    watcher.on('error', () => undefined);
  } catch {
    watcher = null;
  }
  return {
    close() {
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}
