// nginx's stock include files (conf/uwsgi_params, conf/fastcgi_params, conf/fastcgi.conf as
// shipped by nginx.org and Debian). Configs from tutorials `include` them by an absolute path
// that exists only on the author's server (`/usr/local/nginx/conf/uwsgi_params`): when such a
// file is missing, the reader uses this copy instead of failing, and says so.
// Params equal to a stock line are what Berth's uwsgi/FastCGI clients send anyway.

const UWSGI_PARAMS: Array<[string, string]> = [
  ['QUERY_STRING', '$query_string'],
  ['REQUEST_METHOD', '$request_method'],
  ['CONTENT_TYPE', '$content_type'],
  ['CONTENT_LENGTH', '$content_length'],
  ['REQUEST_URI', '$request_uri'],
  ['PATH_INFO', '$document_uri'],
  ['DOCUMENT_ROOT', '$document_root'],
  ['SERVER_PROTOCOL', '$server_protocol'],
  ['REQUEST_SCHEME', '$scheme'],
  ['HTTPS', '$https'],
  ['REMOTE_ADDR', '$remote_addr'],
  ['REMOTE_PORT', '$remote_port'],
  ['SERVER_PORT', '$server_port'],
  ['SERVER_NAME', '$server_name'],
];

const FASTCGI_PARAMS: Array<[string, string]> = [
  ['QUERY_STRING', '$query_string'],
  ['REQUEST_METHOD', '$request_method'],
  ['CONTENT_TYPE', '$content_type'],
  ['CONTENT_LENGTH', '$content_length'],
  ['SCRIPT_NAME', '$fastcgi_script_name'],
  ['REQUEST_URI', '$request_uri'],
  ['DOCUMENT_URI', '$document_uri'],
  ['DOCUMENT_ROOT', '$document_root'],
  ['SERVER_PROTOCOL', '$server_protocol'],
  ['REQUEST_SCHEME', '$scheme'],
  ['HTTPS', '$https'],
  ['GATEWAY_INTERFACE', 'CGI/1.1'],
  ['SERVER_SOFTWARE', 'nginx/$nginx_version'],
  ['REMOTE_ADDR', '$remote_addr'],
  ['REMOTE_PORT', '$remote_port'],
  ['SERVER_ADDR', '$server_addr'],
  ['SERVER_PORT', '$server_port'],
  ['SERVER_NAME', '$server_name'],
  ['REDIRECT_STATUS', '200'],
];

/** Lines Debian adds (HTTP_HOST from $host since its 2025 security update, REMOTE_USER). */
const EXTRA_STOCK = new Set(['HTTP_HOST $host', 'REMOTE_USER $remote_user', 'SCRIPT_FILENAME $document_root$fastcgi_script_name']);
/**
 * The PATH_INFO lines of Debian's snippets/fastcgi-php.conf (`$path_info` is its copy of
 * `$fastcgi_path_info`, taken before try_files resets it): Berth's FastCGI client sends PATH_INFO by itself.
 */
const FASTCGI_PATH_INFO = new Set(['PATH_INFO $fastcgi_path_info', 'PATH_INFO $path_info']);

const uwsgiStock = new Set(UWSGI_PARAMS.map(([k, v]) => `${k} ${v}`));
const fastcgiStock = new Set(FASTCGI_PARAMS.map(([k, v]) => `${k} ${v}`));

/** True when `NAME value` is a line of the stock params file (what Berth sends by default). */
export function isStockParam(protocol: 'uwsgi' | 'fastcgi', name: string, value: string): boolean {
  const key = `${name} ${value}`;
  return EXTRA_STOCK.has(key) || (protocol === 'uwsgi' ? uwsgiStock.has(key) : fastcgiStock.has(key) || FASTCGI_PATH_INFO.has(key));
}

const params = (directive: string, list: Array<[string, string]>): string =>
  list.map(([k, v]) => `${directive} ${k} ${v}${k === 'HTTPS' ? ' if_not_empty' : ''};`).join('\n') + '\n';

/** Stock files by base name; mime.types is empty here: Berth has its own MIME table. */
export const STOCK_FILES: Readonly<Record<string, string>> = {
  uwsgi_params: params('uwsgi_param', UWSGI_PARAMS),
  fastcgi_params: params('fastcgi_param', FASTCGI_PARAMS),
  'fastcgi.conf': `fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n${params('fastcgi_param', FASTCGI_PARAMS)}`,
  'mime.types': 'types {\n}\n',
  // Debian's snippets/fastcgi-php.conf, which nearly every PHP tutorial for Debian/Ubuntu includes.
  'fastcgi-php.conf':
    'fastcgi_split_path_info ^(.+?\\.php)(/.*)$;\n' +
    'try_files $fastcgi_script_name =404;\n' +
    'set $path_info $fastcgi_path_info;\n' +
    'fastcgi_param PATH_INFO $path_info;\n' +
    'fastcgi_index index.php;\n' +
    'include fastcgi.conf;\n',
};

/** What `uwsgi_params` sends, for the exporter's self-contained output. */
export const UWSGI_PARAMS_FILE = STOCK_FILES.uwsgi_params as string;
export const FASTCGI_PARAMS_FILE = STOCK_FILES.fastcgi_params as string;
