// `berth --help` text. Keep it in step with what the commands really do.

export const USAGE = `Usage: berth <command> [options]

A local web stack: an nginx-style proxy, an app server and a local CA, with a dashboard.

Commands:
  serve     Run the whole stack headless and serve the dashboard in a browser
  status    Show what runs, on which ports, with which config version
  cert      The local CA: cert ca | cert issue NAME... | cert trust | cert untrust
  import    Add sites, upstreams and apps from nginx configs or uwsgi.ini files
  export    Write production nginx + uwsgi.ini + systemd units: berth export nginx --out DIR
  help      Show this help, or a command's help: berth help serve

Options for every command:
  --data-dir DIR   Where Berth keeps its config, logs and certificates
                   (default: $BERTH_HOME, else the OS user-data folder for Berth)
  -h, --help       Show help
  -v, --version    Show the version

Exit codes: 0 ok, 1 error, 2 usage error, 3 not running (status).
`;

export const SERVE_USAGE = `Usage: berth serve [--admin-port N] [--http-port N] [--https-port N] [--proxy-workers N] [--no-open] [--data-dir DIR]

Runs the proxy, the app server and the certificate service as child processes,
restarts any that crash, and serves the dashboard and the admin API on 127.0.0.1.
Writes DATA_DIR/admin.json ({ url, token, pid }, mode 0600) once ready.
Stops everything on Ctrl+C (SIGINT) or SIGTERM.

Options:
  --admin-port N   Admin API and dashboard port (default 7700, or the next free one;
                   an explicit port must be free; 0 = any free port)
  --http-port N    HTTP port for sites without an explicit listen, for this run
                   (default from the config: 8080; 0 = any free port)
  --https-port N   HTTPS port for TLS sites without an explicit listen (default 8443)
  --proxy-workers N  Proxy worker processes sharing the listening sockets
                   (default one per core; 1 to 64)
  --no-open        Do not open the dashboard in the browser
  --data-dir DIR   Data folder (default: $BERTH_HOME, else the OS user-data folder)
`;

export const STATUS_USAGE = `Usage: berth status [--json] [--data-dir DIR]

Asks the running Berth (found through DATA_DIR/admin.json) what runs: each child
process with its pid, state, uptime and restarts, the ports and the config version.

Options:
  --json           Print the admin API's status document as JSON
  --data-dir DIR   Data folder (default: $BERTH_HOME, else the OS user-data folder)

Exit code 3 when Berth is not running for that data dir.
`;

export const IMPORT_USAGE = `Usage: berth import nginx FILE... [options]
       berth import uwsgi FILE.ini... [options]

Adds the sites, upstreams and apps of nginx configs (with their includes) or
uwsgi.ini files to the current config, through the running Berth for the data
dir, or straight into its store when none runs. Prints one warning (file:line)
per directive that is not carried over. .ini files given to 'import nginx' are
read as uwsgi.ini first, so an uwsgi_pass to their socket becomes that app.
The result is validated like any config: if it does not validate, nothing changes.

Options:
  --dry-run          Print the mapped config and the warnings; change nothing
  --runtime R        Apps from uwsgi.ini run with 'wsgi' (Berth's worker, default)
                     or 'uwsgi' (real uWSGI)
  --map-port A=B     Move listen port A to B (repeatable), e.g. --map-port 80=8080
  --data-dir DIR     Data folder (default: $BERTH_HOME, else the OS user-data folder)

Exit code 1 when a file cannot be read or parsed, or the result does not validate.
`;

export const EXPORT_USAGE = `Usage: berth export nginx --out DIR [--log-dir DIR] [--cert-dir DIR] [--data-dir DIR]

Writes the current config for a production server: DIR/nginx.conf and
DIR/sites/*.conf (what 'nginx -t -c DIR/nginx.conf' accepts), mime.types and the
params files, uwsgi/*.ini for WSGI apps, php-fpm/*.conf pools and systemd/*.service
units, with a README.txt saying where each file goes.

Options:
  --out DIR        Folder to write (created; files in it are overwritten)
  --log-dir DIR    nginx log folder on the server (default /var/log/nginx)
  --cert-dir DIR   Certificates on the server, DIR/<site>/fullchain.pem and
                   privkey.pem (default /etc/ssl/berth)
  --data-dir DIR   Data folder (default: $BERTH_HOME, else the OS user-data folder)
`;

export const CERT_USAGE = `Usage: berth cert <ca|issue|trust|untrust> [options]

  berth cert ca [--pem] [--json]
      The local CA: certificate path, subject, SHA-256 fingerprint, expiry and name
      constraints (created on first use). --pem prints the certificate itself.
      The CA key stays in DATA_DIR/certs/ca (mode 0600) and is never printed.

  berth cert issue NAME... [--key-type ecdsa-p256|rsa-3072] [--days N] [--id ID] [--json]
      Issues a certificate for DNS names, *.wildcards and IP addresses and prints the
      paths of its files. Uses the running Berth when there is one, else the data dir.

  berth cert trust [--store ID]... [--dry-run]
  berth cert untrust [--store ID]... [--dry-run]
      Installs (removes) the local CA in trust stores: shows each command, then runs it.
      Stores: system (Linux, needs root), nss (Chromium/Chrome on Linux), firefox,
      keychain (macOS), windows (Windows user Root store). Default: every store of this OS.
      --dry-run only shows the commands.

Options:
  --data-dir DIR   Data folder (default: $BERTH_HOME, else the OS user-data folder)

Exit code 1 when a name is refused or a store fails.
`;
