# Puts the project's Node.js (the exact version of the `node` devDependency in package.json, Node 24 LTS) first
# on PATH when the node on PATH is older than 22. Source it from the repository root, before `npm ci`:
#
#   . .ci/node24.sh
#
# The binary is the npm registry's `node-linux-<arch>` package (the one the `node` devDependency installs),
# fetched with `npm pack` once and kept in ${SHARDNET_NODE_CACHE:-$HOME/.cache/shardnet}. `npm ci` then runs on
# Node 24 too: no EBADENGINE warnings from dependencies that need Node >= 22.
shardnet_node_version=$(sed -n 's/^ *"node": "\([0-9][0-9.]*\)",\{0,1\}$/\1/p' package.json | head -n 1)
if [ -z "$shardnet_node_version" ]; then
  echo "node24.sh: no exact \"node\" devDependency in ./package.json (run from the repository root)" >&2
  return 1 2>/dev/null || exit 1
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null; then
  case "$(uname -m)" in
    x86_64) shardnet_node_arch=x64 ;;
    aarch64 | arm64) shardnet_node_arch=arm64 ;;
    *) shardnet_node_arch=$(uname -m) ;;
  esac
  shardnet_node_dir="${SHARDNET_NODE_CACHE:-${HOME:-/tmp}/.cache/shardnet}/node-v$shardnet_node_version-linux-$shardnet_node_arch"
  if [ ! -x "$shardnet_node_dir/bin/node" ]; then
    shardnet_node_tmp=$(mktemp -d)
    (cd "$shardnet_node_tmp" && npm pack -q --silent "node-linux-$shardnet_node_arch@$shardnet_node_version" >/dev/null) &&
      mkdir -p "$shardnet_node_dir" &&
      tar xzf "$shardnet_node_tmp"/node-linux-*.tgz -C "$shardnet_node_dir" --strip-components=1
    rm -rf "$shardnet_node_tmp"
  fi
  if [ -x "$shardnet_node_dir/bin/node" ]; then
    PATH="$shardnet_node_dir/bin:$PATH"
    export PATH
  else
    echo "node24.sh: could not fetch node-linux-$shardnet_node_arch@$shardnet_node_version with npm pack; install Node $shardnet_node_version and retry" >&2
  fi
fi
unset shardnet_node_version shardnet_node_arch shardnet_node_dir shardnet_node_tmp
