// Private keys must be readable by the user only. POSIX: mode 0600 (set when the file is
// created). Windows ignores the mode bits, so the file's ACL is replaced with one entry for the
// current user: icacls /inheritance:r drops the inherited entries (Users, Administrators…),
// /grant:r gives the user full control and nothing else.
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The icacls argv that leaves `path` readable by `user` alone. */
export function userOnlyAclArgs(path: string, user: string): string[] {
  return [path, '/inheritance:r', '/grant:r', `${user}:F`];
}

export type CommandRunner = (file: string, args: string[]) => Promise<unknown>;

/** On Windows, restricts the key file's ACL to the current user; elsewhere the 0600 mode already does. */
export async function restrictToUser(
  path: string,
  platform: NodeJS.Platform = process.platform,
  runner: CommandRunner = (file, args) => run(file, args, { windowsHide: true }),
): Promise<void> {
  if (platform !== 'win32') return;
  const user = process.env.USERDOMAIN ? `${process.env.USERDOMAIN}\\${userInfo().username}` : userInfo().username;
  await runner('icacls', userOnlyAclArgs(path, user));
}
