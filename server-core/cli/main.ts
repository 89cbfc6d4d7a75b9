// The `berth` command line. Exit codes: 0 ok, 1 error, 2 usage, 3 not running.
import { isBerthError } from '../errors.js';
import { BERTH_VERSION } from '../version.js';
import { UsageError } from './args.js';
import { CERT_USAGE, EXPORT_USAGE, IMPORT_USAGE, SERVE_USAGE, STATUS_USAGE, USAGE } from './usage.js';

type Command = (args: string[]) => Promise<number>;

// Each command module is loaded only when it runs: `serve` pulls in the whole stack, `cert` the
// X.509 library; `berth --help` or `berth status` should not pay for them at startup.
const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  status: async () => (await import('./status.js')).statusCommand,
  cert: async () => (await import('./cert.js')).certCommand,
  import: async () => (await import('./import.js')).importCommand,
  export: async () => (await import('./export.js')).exportCommand,
};

const commandHelp: Record<string, string> = { serve: SERVE_USAGE, status: STATUS_USAGE, cert: CERT_USAGE, import: IMPORT_USAGE, export: EXPORT_USAGE };

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined || first === '-h' || first === '--help') {
      process.stdout.write(USAGE);
      return first === undefined ? 2 : 0;
    }
    if (first === '-v' || first === '--version') {
      console.log(BERTH_VERSION);
      return 0;
    }
    if (first === 'help') {
      const topic = rest[0];
      if (topic !== undefined && !(topic in commandHelp)) throw new UsageError(`no help for unknown command '${topic}'`);
      process.stdout.write(topic === undefined ? USAGE : (commandHelp[topic] as string));
      return 0;
    }
    const load = Object.hasOwn(commands, first) ? commands[first] : undefined;
    if (!load) throw new UsageError(first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`);
    const command = await load();
    return await command(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`berth: ${e.message}\n\n${first !== undefined && first in commandHelp ? commandHelp[first] : USAGE}`);
      return 2;
    }
    if (isBerthError(e)) {
      console.error(`berth: ${e.message}`);
      if (e.hint) console.error(`  ${e.hint}`);
      return 1;
    }
    console.error(`berth: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}
