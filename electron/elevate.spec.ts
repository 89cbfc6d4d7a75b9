import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCommands, elevatedInvocation, execRunner, runElevated, windowsArg } from './elevate.js';
import type { CommandRunner, RunResult } from './elevate.js';

const install = [
  ['cp', '/home/u/.config/Berth/certs/ca.pem', '/usr/local/share/ca-certificates/berth-local-ca.crt'],
  ['update-ca-certificates'],
];

function recording(result: RunResult): { runner: CommandRunner; calls: Array<[string, string[]]> } {
  const calls: Array<[string, string[]]> = [];
  return {
    calls,
    runner: async (file, args) => {
      calls.push([file, args]);
      return result;
    },
  };
}

describe('elevated commands', () => {
  it('Linux: one pkexec prompt for a sh -c chain', () => {
    assert.deepEqual(elevatedInvocation('linux', install), {
      file: 'pkexec',
      args: ['/bin/sh', '-c', 'cp /home/u/.config/Berth/certs/ca.pem /usr/local/share/ca-certificates/berth-local-ca.crt && update-ca-certificates'],
    });
  });

  it('Linux: the chain keeps every argument intact through the shell', async () => {
    const args = ['a b', "it's", '$HOME', '`id`', 'x;y', '*', ''];
    const { args: elevated } = elevatedInvocation('linux', [['printf', '%s\\n', ...args]]);
    // Run what pkexec would run, without pkexec.
    const result = await execRunner('/bin/sh', elevated.slice(1));
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.split('\n').slice(0, -1), args);
  });

  it('macOS: do shell script with administrator privileges, quotes escaped for AppleScript', () => {
    const { file, args } = elevatedInvocation('darwin', [['security', 'add-trusted-cert', '-d', '-r', 'trustRoot', '-k', '/Library/Keychains/System.keychain', '/Users/u/Library/Application Support/Berth/certs/ca "1".pem']]);
    assert.equal(file, '/usr/bin/osascript');
    assert.deepEqual(args, [
      '-e',
      `do shell script "security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '/Users/u/Library/Application Support/Berth/certs/ca \\"1\\".pem'" with administrator privileges`,
    ]);
  });

  it('Windows: Start-Process -Verb RunAs per command, stopping at the first failure', () => {
    const { file, args } = elevatedInvocation('win32', [
      ['certutil', '-addstore', 'Root', 'C:\\Users\\O\'Brien\\AppData\\Roaming\\Berth\\certs\\ca.pem'],
      ['C:\\Program Files\\x.exe'],
    ]);
    assert.equal(file, 'powershell.exe');
    assert.deepEqual(args.slice(0, 5), ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command']);
    assert.equal(
      args[5],
      [
        "$ErrorActionPreference = 'Stop'",
        "$p = Start-Process -FilePath 'certutil' -ArgumentList '-addstore Root C:\\Users\\O''Brien\\AppData\\Roaming\\Berth\\certs\\ca.pem' -Verb RunAs -Wait -PassThru -WindowStyle Hidden",
        'if ($p.ExitCode -ne 0) { exit $p.ExitCode }',
        "$p = Start-Process -FilePath 'C:\\Program Files\\x.exe' -Verb RunAs -Wait -PassThru -WindowStyle Hidden",
        'if ($p.ExitCode -ne 0) { exit $p.ExitCode }',
      ].join('; '),
    );
  });

  it('quotes Windows arguments the way CommandLineToArgvW reads them', () => {
    assert.equal(windowsArg('Root'), 'Root');
    assert.equal(windowsArg('C:\\a b\\'), '"C:\\a b\\\\"');
    assert.equal(windowsArg('say "hi"'), '"say \\"hi\\""');
    assert.equal(windowsArg('a\\"b'), '"a\\\\\\"b"');
    assert.equal(windowsArg(''), '""');
  });

  it('refuses anything but a short list of single-line argv lists', () => {
    for (const bad of [[], 'rm -rf /', [['']], [[]], [['ls', 3]], [['ls', 'a\nb']], [['ls', 'a\0b']], Array.from({ length: 17 }, () => ['true'])]) {
      assert.throws(() => checkCommands(bad), /trust-store commands are not usable/);
    }
    assert.throws(() => elevatedInvocation('freebsd', install), /not supported on freebsd/);
  });

  it('reports installed, cancelled and failed per OS', async () => {
    assert.deepEqual(await runElevated(install, recording({ code: 0, stdout: '1 added\n', stderr: '' }).runner, 'linux'), { outcome: 'installed', output: '1 added' });
    assert.deepEqual(await runElevated(install, recording({ code: 126, stdout: '', stderr: 'Error executing command as another user: Request dismissed' }).runner, 'linux'), { outcome: 'cancelled', output: '' });
    assert.deepEqual(await runElevated(install, recording({ code: 1, stdout: '', stderr: '0:75: execution error: User canceled. (-128)' }).runner, 'darwin'), { outcome: 'cancelled', output: '' });
    assert.deepEqual(await runElevated(install, recording({ code: 1, stdout: '', stderr: 'Start-Process : This command cannot be run due to the error: The operation was canceled by the user.' }).runner, 'win32'), { outcome: 'cancelled', output: '' });
    const failed = await runElevated(install, recording({ code: 1, stdout: '', stderr: 'cp: cannot stat: No such file' }).runner, 'linux');
    assert.equal(failed.outcome, 'failed');
    assert.match(failed.output, /cannot stat[\s\S]*exit code 1/);
    const missing = await runElevated(install, async () => {
      throw Object.assign(new Error('spawn pkexec ENOENT'), { code: 'ENOENT' });
    }, 'linux');
    assert.deepEqual(missing, { outcome: 'failed', output: 'could not run pkexec: spawn pkexec ENOENT' });
  });

  it('execRunner reports exit codes and rejects a missing program', async () => {
    assert.deepEqual(await execRunner('/bin/sh', ['-c', 'echo out; echo err >&2; exit 3']), { code: 3, stdout: 'out\n', stderr: 'err\n' });
    await assert.rejects(execRunner('berth-no-such-program', []), /ENOENT/);
  });
});
