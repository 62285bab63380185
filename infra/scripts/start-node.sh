#!/bin/sh
# Container entry point of the beacon and shard node services (infra/docker-compose.yml).
#
#   start-node.sh <beacon|shard-node> [node flags...]
#
# When BOOTNODE_KEY_FILE and BOOTNODE_ADDR are set (shard nodes), the bootnode's peer id is derived from its
# key file on the shared /data volume and the node gets --bootnodes "$BOOTNODE_ADDR/p2p/<peer id>".
# Then the app runs compiled (apps/<app>/dist/main.js, built by `tsc -b` in the image's build stage), the same
# entry point the local launcher (apps/devnet, spawnNode) runs once the tree is built.
set -eu

app="${1:?usage: start-node.sh <beacon|shard-node> [node flags...]}"
shift

if [ -n "${BOOTNODE_KEY_FILE:-}" ] && [ -n "${BOOTNODE_ADDR:-}" ]; then
  peer_id="$(node infra/scripts/peer-id.mjs --wait "${BOOTNODE_WAIT_SECONDS:-120}" "$BOOTNODE_KEY_FILE")"
  bootnode="$BOOTNODE_ADDR/p2p/$peer_id"
  echo "start-node: bootnode $bootnode" >&2
  set -- "$@" --bootnodes "$bootnode"
fi

exec node "apps/$app/dist/main.js" "$@"
