import { shellQuote } from '../plan/compile-step.js';

/**
 * The bootstrap script a provisioned machine runs at first boot (EC2 user data, or the
 * `local` provisioner's namespace): installs Docker from Debian's archive when it is missing,
 * starts it, joins the swarm as a worker and reports its node id back, so that the manager
 * (Slipway) applies the labels it asked for. Workers cannot label nodes, and a node's word
 * about its own labels is not to be trusted: the report names the request, and the manager
 * labels the node from its own record of that request (the labels in the report are what the
 * node was told, for the manager to compare). On failure it reports which phase failed and why.
 *
 * Every value is single-quoted for the shell; the node id, the only value made at run time, is
 * checked to be alphanumeric before it goes into the report. POSIX sh, no bashisms.
 */
export interface BootstrapInput {
  /** A worker join token, `SWMTKN-1-…` (short-lived: rotated after use). */
  joinToken: string;
  /** Where the manager listens for joins, `host:port` (an address the machine can reach). */
  managerAddress: string;
  /** Node labels the manager applies once the node has joined. */
  labels: Record<string, string>;
  /** Where the script reports (POST, JSON), e.g. `https://slipway.example/provision/callback`. */
  callbackUrl: string;
  /** Sent as `Authorization: Bearer …` with the report: proves it comes from this request. */
  callbackToken: string;
  /** Names this request in the report; the manager's record holds its labels. */
  requestId: string;
  /** The address this node advertises to the swarm (`--advertise-addr`); Docker picks one when absent. */
  advertiseAddress?: string;
  /** Plain-HTTP registries dockerd may pull from (written to daemon.json before dockerd starts). */
  insecureRegistries?: string[];
}

/** What the script POSTs to `callbackUrl`. */
export type BootstrapReport =
  | { requestId: string; status: 'joined'; nodeId: string; hostname: string; labels: Record<string, string> }
  | { requestId: string; status: 'failed'; phase: string; error: string };

const TOKEN = /^SWMTKN-1-[0-9a-z]+-[0-9a-z]+$/;
const ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Throws on input no caller should pass (a malformed token or address): a bug, not a retry. */
export function bootstrapScript(input: BootstrapInput): string {
  if (!TOKEN.test(input.joinToken)) throw new Error('bootstrapScript: the join token is not a SWMTKN-1-… token');
  if (!ADDRESS.test(input.managerAddress))
    throw new Error(`bootstrapScript: manager address ${JSON.stringify(input.managerAddress)} is not host:port`);
  if (!/^https?:\/\/[^\s]+$/.test(input.callbackUrl))
    throw new Error('bootstrapScript: the callback URL is not http(s)');
  if (!/^[A-Za-z0-9._~+/=-]+$/.test(input.callbackToken))
    throw new Error('bootstrapScript: the callback token must be a bearer token (no spaces or quotes)');
  for (const key of Object.keys(input.labels))
    if (!LABEL.test(key)) throw new Error(`bootstrapScript: label name ${JSON.stringify(key)} is not a label name`);

  const q = shellQuote;
  const daemonJson = JSON.stringify({ 'insecure-registries': input.insecureRegistries ?? [] });
  const advertise = input.advertiseAddress ? ` --advertise-addr ${q(input.advertiseAddress)}` : '';
  return `#!/bin/sh
# Slipway node bootstrap (request ${input.requestId.replace(/[^A-Za-z0-9_.-]/g, '_')}): join the swarm, report back.
set -eu
JOIN_TOKEN=${q(input.joinToken)}
MANAGER=${q(input.managerAddress)}
CALLBACK=${q(input.callbackUrl)}
CALLBACK_TOKEN=${q(input.callbackToken)}
REQUEST=${q(JSON.stringify(input.requestId))}
LABELS=${q(JSON.stringify(input.labels))}
DAEMON_JSON=${q(daemonJson)}
PHASE=start

report() {
  curl -fsS --retry 5 --retry-delay 2 --max-time 20 -X POST \\
    -H 'Content-Type: application/json' -H "Authorization: Bearer $CALLBACK_TOKEN" \\
    --data-binary "$1" "$CALLBACK" >/dev/null
}
fail() {
  trap - EXIT
  msg=$(printf '%s' "$1" | tr -d '\\000-\\037"\\\\' | cut -c1-500)
  report "$(printf '{"requestId":%s,"status":"failed","phase":"%s","error":"%s"}' "$REQUEST" "$PHASE" "$msg")" || true
  echo "slipway bootstrap failed in $PHASE: $1" >&2
  exit 1
}
trap 'fail "exited with status $?"' EXIT

PHASE=install
if ! command -v docker >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || fail 'apt-get update failed'
  apt-get install -y -q docker.io curl >/dev/null || fail 'apt-get install docker.io curl failed'
fi

PHASE=dockerd
if ! docker info >/dev/null 2>&1; then
  mkdir -p /etc/docker
  [ -f /etc/docker/daemon.json ] || printf '%s\\n' "$DAEMON_JSON" >/etc/docker/daemon.json
  if command -v systemctl >/dev/null 2>&1 && systemctl start docker 2>/dev/null; then :; else
    nohup dockerd >/var/log/slipway-dockerd.log 2>&1 </dev/null &
  fi
  i=0
  until docker info >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -le 60 ] || fail 'dockerd did not answer within 30 s'; sleep 0.5
  done
fi

PHASE=join
state=$(docker info --format '{{.Swarm.LocalNodeState}}')
if [ "$state" != active ]; then
  docker swarm join --token "$JOIN_TOKEN"${advertise} "$MANAGER" >/dev/null || fail "docker swarm join $MANAGER failed"
fi
NODE_ID=$(docker info --format '{{.Swarm.NodeID}}')
case $NODE_ID in '' | *[!0-9a-z]*) fail 'no usable swarm node id after joining' ;; esac

PHASE=report
trap - EXIT
HOST=$( (cat /proc/sys/kernel/hostname 2>/dev/null || hostname) | tr -cd 'A-Za-z0-9_.-')
report "$(printf '{"requestId":%s,"status":"joined","nodeId":"%s","hostname":"%s","labels":%s}' \\
  "$REQUEST" "$NODE_ID" "$HOST" "$LABELS")" || { echo 'slipway bootstrap: joined, but the report failed' >&2; exit 1; }
echo "slipway bootstrap: joined as $NODE_ID"
`;
}
