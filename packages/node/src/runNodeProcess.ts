import { useNativeHasher } from "@shardnet/consensus";
import { type BlsSecretKey, getBls, isBlsBackendName } from "@shardnet/crypto";
import { parseAnnounceAddresses } from "@shardnet/p2p";
import type { LevelWithSilent } from "pino";
import { type OptionValues, parseIndexList, UsageError } from "./config/cliOptions.js";
import type { nodeOptionTable } from "./config/nodeOptions.js";
import { fetchGenesis, type LoadedGenesis, loadGenesisFile } from "./genesisLoader.js";
import { createLogger, LOG_LEVELS } from "./logger.js";
import { NodeMetrics } from "./metrics/nodeMetrics.js";
import { ShardnetNode } from "./shardnetNode.js";
import { loadInteropKeys, loadKeystores, type ValidatorKeys } from "./validator/validatorKeys.js";

/** Entry point of both apps: validates flags, starts the node, stops it cleanly on SIGINT/SIGTERM. */
export async function runNodeProcess(
  role: "beacon" | "shard",
  values: OptionValues<typeof nodeOptionTable>,
): Promise<void> {
  if (!LOG_LEVELS.includes(values["log-level"] as LevelWithSilent)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${values["log-level"]}"`);
  }
  if (!isBlsBackendName(values.bls)) throw new UsageError(`--bls must be blst or noble, got "${values.bls}"`);
  for (const flag of ["api-port", "p2p-port"] as const) {
    const port = values[flag];
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--${flag} must be a port 0..65535, got ${port}`);
  }
  const checkpointRoot = values["checkpoint-root"];
  if (checkpointRoot && !/^(0x)?[0-9a-fA-F]{64}$/.test(checkpointRoot))
    throw new UsageError(`--checkpoint-root must be a 32-byte hex root, got "${checkpointRoot}"`);
  if (checkpointRoot && !values["checkpoint-sync-url"])
    throw new UsageError(
      "--checkpoint-root needs --checkpoint-sync-url (the node to fetch the checkpoint from)",
    );
  if (values["checkpoint-sync-url"] && !URL.canParse(values["checkpoint-sync-url"]))
    throw new UsageError(
      `--checkpoint-sync-url must be a URL such as http://127.0.0.1:9000, got "${values["checkpoint-sync-url"]}"`,
    );
  const announce = values["p2p-announce"]
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    parseAnnounceAddresses(announce);
  } catch (err) {
    throw new UsageError(`--p2p-announce: ${(err as Error).message}`);
  }
  const genesisUrl = values["genesis-url"];
  if (genesisUrl && !URL.canParse(genesisUrl))
    throw new UsageError(`--genesis-url must be a URL such as http://127.0.0.1:9000, got "${genesisUrl}"`);
  const genesisPin = values["genesis-hash"];
  if (genesisPin && !/^(0x)?[0-9a-fA-F]{64}$/.test(genesisPin))
    throw new UsageError(`--genesis-hash must be a 32-byte hex hash, got "${genesisPin}"`);
  if (genesisPin && !genesisUrl)
    throw new UsageError("--genesis-hash needs --genesis-url (the node to download the genesis from)");
  const history = values.history.trim();
  if (history !== "all" && !/^[1-9][0-9]{0,5}$/.test(history))
    throw new UsageError(`--history must be a number of epochs (1 or more) or all, got "${values.history}"`);
  useNativeHasher();
  const log = createLogger({
    name: values.name,
    level: values["log-level"] as LevelWithSilent,
    pretty: values["log-pretty"],
  });
  let loaded: LoadedGenesis;
  if (genesisUrl) {
    try {
      loaded = await fetchGenesis(genesisUrl, genesisPin || undefined);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    log.info(
      { genesisUrl, genesisHash: `0x${loaded.hashHex}`, network: loaded.genesis.network },
      genesisPin
        ? "genesis downloaded and matches --genesis-hash"
        : "genesis downloaded; trusted its hash (pin it with --genesis-hash)",
    );
  } else loaded = loadGenesisFile(values.genesis);
  const bls = getBls(values.bls);
  const shards = parseIndexList(values.shards, "--shards");
  for (const s of shards) {
    if (s >= loaded.genesis.preset.SHARD_COUNT) {
      throw new UsageError(
        `--shards names shard ${s}, but this network has ${loaded.genesis.preset.SHARD_COUNT} shards`,
      );
    }
  }
  let keys: ValidatorKeys = loadInteropKeys(
    bls,
    loaded.genesis,
    parseIndexList(values.validators, "--validators"),
  );
  let keystoreValidators: number[] = [];
  let unregisteredKeys: BlsSecretKey[] = [];
  if (values.keystores) {
    const fromKeystores = await loadKeystores(bls, loaded.genesis, values.keystores, values["password-file"]);
    keystoreValidators = [...fromKeystores.registered.keys()];
    keys = new Map([...keys, ...fromKeystores.registered]);
    unregisteredKeys = fromKeystores.unregistered;
  }
  const node = await ShardnetNode.start({
    name: values.name,
    role,
    loaded,
    dataDir: values["data-dir"],
    apiHost: values["api-host"],
    apiPort: values["api-port"],
    p2pHost: values["p2p-host"],
    p2pPort: values["p2p-port"],
    p2pAnnounce: announce,
    bootnodes: values.bootnodes
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    maxPeers: values["max-peers"],
    peerKeyFile: values["peer-key-file"],
    shards,
    ...(history === "all" ? {} : { historyEpochs: Number(history) }),
    backfill: values.backfill,
    ...(values["checkpoint-sync-url"]
      ? { checkpointSync: { url: values["checkpoint-sync-url"], root: checkpointRoot || undefined } }
      : {}),
    keys,
    keystoreValidators,
    unregisteredKeys,
    bls,
    log,
    metrics: new NodeMetrics(),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    await node.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}
