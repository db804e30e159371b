/**
 * The texts of `rtcroom <command> --help`.
 * @module
 */

/** Help text of each command (and of `rtcroom` alone). */
export const HELP = {
  main: `rtcroom — self-hosted real-time audio/video rooms

Usage: rtcroom <command> [options]

Commands:
  serve     start the room server (signaling, SDK, demo)
  token     mint a Volcengine-compatible "001" token
  app new   print a new random {appId, appKey} for an apps file
  doctor    check this machine's network setup: why clients cannot connect
  miniapp build  write a Douyin mini-program project as a static web site

Run "rtcroom <command> --help" for a command's options.`,
  serve: `Usage: rtcroom serve [--port 7880] [--host 127.0.0.1] [--apps apps.json] [--log-level info]

Starts the room server. Apps ({appId, appKey} pairs) come from --apps FILE or the
RTCROOM_APPS environment variable (same JSON: [{"appId": "...", "appKey": "..."}]).
With neither, a dev app is created (kept in .rtcroom/dev-app.json), its appId and
appKey are printed, and POST /api/dev/token {roomId, userId} mints tokens for it —
for anyone who reaches the port, so dev mode runs on loopback only unless --dev says
otherwise. SIGTERM/SIGINT shut down gracefully (members are told, 21955); a second
signal exits at once.

Options:
  --port N          TCP port (default 7880; 0 = any free port)
  --host ADDR       interface to listen on (default 127.0.0.1)
  --dev             allow dev mode (no apps: open token endpoint) on a non-loopback --host
  --apps FILE       JSON file with the apps
  --log-level L     debug | info | warn | error | silent (default info)
  --rtc-ip ADDR     IPv4 address for media (UDP) sockets, e.g. 127.0.0.1 (default: all interfaces)
  --announced-ip A  public IPv4 to announce in ICE candidates (behind NAT)
  --rtc-ports A-B   UDP port range for media sockets (split between media workers)
  --rtc-port N      single-port mode: every connection's media on this one UDP port
                    (1024-65535; not with --rtc-ports, needs --workers 1), bound on --rtc-ip
                    or all interfaces
  --rtc-tcp         with --rtc-port: ICE over TCP too, passive candidates on TCP port N
  --workers N       media processes (default 1: media runs in the server process). N >= 2
                    starts N media worker processes; each new room goes to the least loaded
                    one, a crashed worker restarts and its rooms' members rejoin
  --native M        the native send path (SRTP on pre-keyed OpenSSL contexts, sendmmsg
                    batches; built at npm install when a C compiler is there): auto (default:
                    when built), on (fail to start without it), off (JavaScript); or RTCROOM_NATIVE
  --turn-urls URLS  comma-separated turn:/turns:/stun: URLs handed to every member, e.g.
                    turn:turn.example.com:3478,turns:turn.example.com:443?transport=tcp
  --turn-secret S   coturn's static-auth-secret (or RTCROOM_TURN_SECRET): members get
                    credentials minted with it (TURN REST API: user "expiry:userId")
  --turn-ttl SEC    lifetime of a minted TURN credential (default 21600)
  --speaker-threshold DBOV   audio level (0 loud … 127 silent) that may be speech (default 50)
  --speaker-onset-ms MS      window in which 3 loud packets start speech (default 100)
  --speaker-hang-ms MS       silence that ends speech (default 500)
  --audio-selection-above N  in rooms of more than N members, listeners receive only the loudest
                             speakers' microphones (default 20; 0 = always forward every microphone)
  --audio-speakers N         how many speakers audio selection forwards (default 3)
  --max-visible-members N    visible members per room (default 50; invisible members do not count)
  --max-publishers N         members publishing at once per room (default 30)
  --max-members N            members per room, visible or not (default 5000)
  --max-connections-per-ip N TCP connections one address may hold open (default 200)
  --admin-key KEY            turns on the admin API (/api/v1/, Authorization: Bearer KEY; or
                             RTCROOM_ADMIN_KEY); at least 16 characters. Without it the API is off
  --metrics-key KEY          /metrics needs Authorization: Bearer KEY (or RTCROOM_METRICS_KEY);
                             without it /metrics answers loopback clients only
  --webhook-url URL          POST room, member and stream events to URL (repeatable), signed with
                             the admin key (X-Rtcroom-Signature: sha256=HMAC); needs --admin-key
  --data-dir DIR             folder for usage records (usage.sqlite), recordings (recordings/) and
                             the node id (default .rtcroom)
  --max-recording-minutes N  a room recording stops by itself after N minutes (default 120)
  --database URL             keep usage records in PostgreSQL (postgres://…; or RTCROOM_DATABASE),
                             e.g. shared by several nodes, instead of SQLite in --data-dir
  --no-usage                 keep no usage records
  --redis URL                cluster mode: nodes share rooms through this Redis (redis://HOST:PORT);
                             a room is pinned to one node, joins reaching another node are redirected
                             there (exit code 3 when Redis cannot be reached at start, or the
                             node id is live already)
  --node-id ID               this node's id in the cluster (default: hostname + random suffix)
  --public-url URL           http(s)://host:port clients reach this node at (default: the listening
                             address; --announced-ip when listening on every interface)
  --sysload-limit X          no new rooms while another node is under its limit; X = 1-minute load
                             average / cores (default 0.9, as LiveKit's sysload_limit)
  --drain-timeout SEC        with --redis, SIGTERM drains: no new rooms, exit when this node's rooms
                             are empty or after SEC (default 300), then their members rejoin elsewhere
  --no-memory-reclaim        do not collect memory after a burst (by default one memory-reducing GC
                             starts once RSS stands 15% above its floor and stopped rising, at most
                             2/min: incremental with the native module; without it a 100-400 ms
                             pause, and only when V8's heap holds 32 MiB it does not use)
  --no-opus-dtx              do not ask publishers' Opus encoders for DTX (by default a silent
                             microphone sends a packet every 400 ms instead of 50 a second)
  --profile-dir DIR          SIGUSR2 starts a CPU and an allocation profile, the next
                             SIGUSR2 writes both to DIR
  --miniapp DIR              serve the Douyin mini-program project in DIR (app.json, pages …) at
                             /miniapp/, compiled on request (docs/miniapp.md)
  -h, --help        this help`,
  token: `Usage: rtcroom token --app-id ID --app-key KEY --room ROOM --user USER
                     [--expire SECONDS] [--no-publish] [--no-subscribe]

Prints a "001" AccessToken (byte-compatible with Volcengine RTC tokens).

Options:
  --app-id ID       24-character app id
  --app-key KEY     the app's secret key
  --room ROOM       room id, or * for any room
  --user USER       user id
  --expire SECONDS  lifetime from now (default 86400; 0 = never expires)
  --no-publish      leave out the publish privilege (subscribe-only token)
  --no-subscribe    leave out the subscribe privilege
  -h, --help        this help`,
  doctor: `Usage: rtcroom doctor [--host 127.0.0.1] [--port 7880] [--rtc-ip ADDR] [--announced-ip A]
                      [--rtc-ports A-B | --rtc-port N] [--turn-urls URLS] [--turn-secret S]
                      [--insecure-tls] [--redis URL]

Checks what clients need to reach a server started with the same network flags as
"rtcroom serve" and prints one line per check (ok, warn, FAIL). Exit code 0 when
nothing failed, 1 otherwise, 2 for bad flags.

  interfaces  this machine's addresses (loopback, private, CGNAT, link-local, public);
              whether clients outside can reach media without --announced-ip
  signaling   GET http://HOST:PORT/healthz of a running server, else whether the port binds
  media       whether UDP sockets bind in --rtc-ports (a sample) or on --rtc-port, and a
              STUN round trip from this machine to such a socket via each media address
              (and via --announced-ip when it is not this machine's: a NAT may not loop it back)
  turn        for each turn:/turns: URL an allocation with a credential minted from the
              secret, and relay permissions to this server's media addresses; for each
              stun: URL a binding request
  cluster     with --redis: whether Redis answers, the live nodes and their load, and
              whether each node's public URL answers /healthz from this machine

The round trips start on this machine: they show that sockets bind and answer, not that
a firewall or NAT in front lets outside traffic in. Doctor contacts only the configured
TURN/STUN servers, the configured host, Redis and its nodes, and this machine's own addresses.

Options:
  --host ADDR       signaling interface (default 127.0.0.1; 0.0.0.0 is checked via 127.0.0.1)
  --port N          signaling TCP port (default 7880)
  --rtc-ip ADDR     IPv4 address media sockets bind to (default: all interfaces)
  --announced-ip A  public IPv4 announced in ICE candidates (behind NAT)
  --rtc-ports A-B   UDP port range for media sockets
  --rtc-port N      single UDP port for all media (single-port mode)
  --turn-urls URLS  comma-separated turn:/turns:/stun: URLs
  --turn-secret S   coturn's static-auth-secret (or RTCROOM_TURN_SECRET)
  --insecure-tls    accept a TURN TLS certificate that does not verify (self-signed tests)
  --redis URL       the cluster's Redis (as rtcroom serve --redis)
  -h, --help        this help`,
  app: `Usage: rtcroom app new

Prints a new random app as JSON: {"appId": "<24 hex>", "appKey": "<32 hex>"}.`,
  miniapp: `Usage: rtcroom miniapp build DIR --out OUT [--server-url URL]

Compiles the Douyin mini-program project in DIR (app.json, app.js, pages with .ttml,
.ttss, .js/.ts, .json) into a static web site in OUT: index.html, runtime.js (the
runtime and the rtcroom SDK), project.js and the project's images. Any web server can
host OUT; "rtcroom serve --miniapp DIR" serves the same at /miniapp/.

Options:
  --out OUT         folder to write (created if needed)
  --server-url URL  rtcroom server the pages connect to, and the base of relative
                    tt.request URLs (default: the origin the site is served from)
  -h, --help        this help`,
};
