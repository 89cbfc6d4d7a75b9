// The `berth` command line. Exit codes: 0 ok, 1 error, 2 usage, 3 not running.
import { isBerthError } from '../errors.js';
import { BERTH_VERSION } from '../version.js';
import { UsageError } from './args.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';
import { SERVE_USAGE, STATUS_USAGE, USAGE } from './usage.js';

const commands: Record<string, (args: string[]) => Promise<number>> = {
  serve: serveCommand,
  status: statusCommand,
};

const commandHelp: Record<string, string> = { serve: SERVE_USAGE, status: STATUS_USAGE };

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
    const command = commands[first];
    if (!command) throw new UsageError(first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`);
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
