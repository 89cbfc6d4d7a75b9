// `berth --help` text. Keep it in step with what the commands really do.

export const USAGE = `Usage: berth <command> [options]

A local web stack: an nginx-style proxy, an app server and a local CA, with a dashboard.

Commands:
  serve     Run the whole stack headless and serve the dashboard in a browser
  status    Show what runs, on which ports, with which config version
  help      Show this help, or a command's help: berth help serve

Options for every command:
  --data-dir DIR   Where Berth keeps its config, logs and certificates
                   (default: $BERTH_HOME, else the OS user-data folder for Berth)
  -h, --help       Show help
  -v, --version    Show the version

Exit codes: 0 ok, 1 error, 2 usage error, 3 not running (status).
`;

export const SERVE_USAGE = `Usage: berth serve [--admin-port N] [--http-port N] [--https-port N] [--no-open] [--data-dir DIR]

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
