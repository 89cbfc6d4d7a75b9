// SCRIPT_FILENAME for FastCGI, as nginx builds it: `$document_root$fastcgi_script_name`, where
// fastcgi_split_path_info's regex splits the URI into the script and PATH_INFO, and a URI ending
// in `/` gets fastcgi_index appended.
//
// The classic PHP hole: `/uploads/a.jpg/x.php` with cgi.fix_pathinfo=1 makes PHP walk back to
// /uploads/a.jpg and run an uploaded image as PHP. Berth never passes such a request: the script
// must be an existing regular file ending in `.php` under the document root (what nginx's
// recommended `try_files $fastcgi_script_name =404` plus PHP-FPM's security.limit_extensions do),
// otherwise the answer is 404 and PHP never sees it.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ScriptMapping {
  name: string;
  filename: string;
  pathInfo: string;
}

/** Debian's snippets/fastcgi-php.conf regex, used by `app` locations of php-fpm apps. */
export const DEFAULT_SPLIT_PATH_INFO = '^(.+?\\.php)(/.*)$';

export function mapScript(uri: string, root: string, index: string, splitPathInfo: string | undefined): ScriptMapping {
  let name = uri;
  let pathInfo = '';
  if (splitPathInfo !== undefined) {
    const m = new RegExp(splitPathInfo).exec(uri);
    // nginx: with no match, $fastcgi_script_name is the whole URI and PATH_INFO is empty.
    if (m && m[1] !== undefined) {
      name = m[1];
      pathInfo = m[2] ?? '';
    }
  }
  if (name.endsWith('/')) name += index;
  return { name, filename: join(root, name), pathInfo };
}

/** True when the script may run: an existing regular file whose name ends in `.php`. */
export async function scriptRunnable(m: ScriptMapping): Promise<boolean> {
  if (!m.name.toLowerCase().endsWith('.php')) return false;
  try {
    return (await stat(m.filename)).isFile();
  } catch {
    return false;
  }
}
