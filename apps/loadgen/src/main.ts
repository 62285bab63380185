/**
 * Load generator for a running shardnet devnet (DESIGN.md §8): sends transfers through the node HTTP API at
 * a constant arrival rate (open loop: transfer i is due at i / rate seconds whatever the nodes answer, and
 * latency counts from then, so a slow node shows up as latency instead of slowing the sender down), with a
 * chosen cross-shard share, follows every transfer to included, crosslinked and finalized, prints progress
 * every second and writes a report: report.json, summary.txt and latency.svg.
 *
 * Transfers go out as SSZ batches (one POST per node and 50-ms tick) and statuses come back over one event
 * stream per node. By default the senders are dev:0 .. dev:N-1 with N from the rate (plan.ts
 * chooseSenderCount), so no sender runs past the mempool's per-sender nonce window; a rate the genesis's
 * funded dev accounts cannot carry is refused before anything is sent.
 *
 *   npm run loadgen -- [--rate 50] [--duration 30] [--cross-shard 0.3] [--senders auto] [--apis URL,URL]
 *
 * Exit status: 0 when every accepted transfer reached finalized, 2 when some did not within
 * --finality-timeout, 1 on bad flags or an unreachable node.
 */
import "@shardnet/p2p/polyfill";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  MAX_MEMPOOL_NONCE_AHEAD,
  SeededRandom,
  shardOf,
  signTransaction,
  transactionHash,
} from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey } from "@shardnet/crypto";
import { formatHelp, parseIndexList, parseOptions, UsageError } from "@shardnet/node";
import { mapLimit } from "./concurrency.js";
import { LoadgenMetrics } from "./metrics.js";
import {
  accountState,
  followEvents,
  type GenesisFacts,
  LoadgenError,
  type NodeInfo,
  nodeInfos,
  readEndpointsFile,
  readGenesisFacts,
  submitBatch,
  transactionStatus,
} from "./nodeClient.js";
import { chooseSenderCount, dueCount, maxRateFor, planTransfers, scheduledOffsetMs } from "./plan.js";
import { buildReport, formatSummary, latencyChartSvg, reportJson } from "./report.js";
import { MAX_TX_BATCH } from "./sszBatch.js";
import {
  applyStatus,
  progressLine,
  STAGES,
  settleInclusion,
  stageMs,
  type TransferRecord,
} from "./tracker.js";

const options = {
  rate: { kind: "number", description: "transfers per second (constant arrival rate)", default: 50 },
  duration: { kind: "number", description: "seconds of sending", default: 30 },
  "cross-shard": { kind: "number", description: "share of transfers to another shard (0..1)", default: 0.3 },
  senders: {
    kind: "string",
    description:
      "dev accounts that send (dev:N, funded at genesis): range a..b or list a,b,c; auto: dev:0.. as many as the rate needs (at least 64) within the mempool's nonce window",
    default: "auto",
  },
  receivers: {
    kind: "string",
    description: "dev accounts that receive: range a..b or list",
    default: "0..255",
  },
  amount: { kind: "number", description: "amount per transfer", default: 1 },
  fee: { kind: "number", description: "fee per transfer", default: 1 },
  apis: {
    kind: "string",
    description: "shard node API URLs, comma-separated; empty: the shard nodes listed in --endpoints",
    default: "",
  },
  endpoints: { kind: "string", description: "devnet endpoints file", default: ".devnet/endpoints.json" },
  genesis: {
    kind: "string",
    description:
      "genesis file (slot length, funded dev accounts) for --senders auto; empty: the one --endpoints names, when --apis is empty",
    default: "",
  },
  "finality-timeout": {
    kind: "number",
    description: "seconds to wait after the last send for every accepted transfer to reach finalized",
    default: 120,
  },
  out: {
    kind: "string",
    description: "report directory (report.json, summary.txt, latency.svg)",
    default: "loadgen-report",
  },
  seed: { kind: "number", description: "seed of the receiver and cross-shard choices", default: 1 },
  quiet: { kind: "boolean", description: "no progress lines", default: false },
  "metrics-port": {
    kind: "number",
    description:
      "serve Prometheus metrics (offered, accepted, rejected, latency by stage) at /metrics on this port; 0: off",
    default: 0,
  },
  "metrics-host": {
    kind: "string",
    description: "address the metrics server listens on",
    default: "127.0.0.1",
  },
} as const;

const TICK_MS = 50;
/** Slot length assumed without a genesis file to read: the devnet's default. */
const DEFAULT_SLOT_SECONDS = 2;

function log(msg: string): void {
  process.stdout.write(`[loadgen ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

function checkValues(values: {
  "metrics-port": number;
  rate: number;
  duration: number;
  "cross-shard": number;
  amount: number;
  fee: number;
}) {
  if (!(values.rate > 0)) throw new UsageError(`--rate must be above 0, got ${values.rate}`);
  if (!(values.duration > 0)) throw new UsageError(`--duration must be above 0, got ${values.duration}`);
  if (!(values["cross-shard"] >= 0 && values["cross-shard"] <= 1))
    throw new UsageError(`--cross-shard must be between 0 and 1, got ${values["cross-shard"]}`);
  const port = values["metrics-port"];
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--metrics-port must be a port number (0: off), got ${port}`);
  for (const flag of ["amount", "fee"] as const) {
    if (!Number.isSafeInteger(values[flag]) || values[flag] < (flag === "amount" ? 1 : 0))
      throw new UsageError(
        `--${flag} must be a whole number${flag === "amount" ? " above 0" : ""}, got ${values[flag]}`,
      );
  }
}

async function main(): Promise<number> {
  const { help, values } = parseOptions(options, process.argv.slice(2));
  if (help) {
    process.stdout.write(
      formatHelp("npm run loadgen --", "open-loop transfer load against a running devnet", options),
    );
    return 0;
  }
  checkValues(values);
  const receiverNumbers = parseIndexList(values.receivers, "--receivers");

  // --- where: the nodes, and the genesis that says how many senders the rate may have ------------------
  const endpoints = values.apis ? undefined : readEndpointsFile(values.endpoints);
  const apis = endpoints
    ? endpoints.apis
    : values.apis
        .split(",")
        .map((u) => u.trim().replace(/\/$/, ""))
        .filter(Boolean);
  const genesisPath = values.genesis || endpoints?.genesis;
  const genesis: GenesisFacts | undefined = genesisPath ? readGenesisFacts(genesisPath) : undefined;

  // --- senders: enough for the rate, refused up front when the funded accounts cannot carry it ----------
  const senderNeed = {
    rate: values.rate,
    slotSeconds: genesis?.slotSeconds ?? DEFAULT_SLOT_SECONDS,
    nonceWindow: MAX_MEMPOOL_NONCE_AHEAD,
  };
  const auto = values.senders.trim() === "auto";
  let senderNumbers: number[];
  if (auto) {
    const choice = chooseSenderCount(senderNeed, genesis?.fundedDevAccounts);
    if (!choice.ok) throw new LoadgenError(choice.message);
    senderNumbers = Array.from({ length: choice.count }, (_, n) => n);
    log(
      `senders: dev:0..${choice.count - 1} (${values.rate}/s needs ${choice.needed} within the nonce window of ${senderNeed.nonceWindow}; ` +
        (genesis
          ? `the genesis funds ${genesis.fundedDevAccounts}, ${senderNeed.slotSeconds}-s slots)`
          : `no genesis file read: ${senderNeed.slotSeconds}-s slots assumed, pass --genesis to check the funded accounts)`),
    );
  } else {
    senderNumbers = parseIndexList(values.senders, "--senders");
    // An explicit choice is the caller's: say when it is short, but run it (e.g. to see nonce_gap refusals).
    const carries = maxRateFor(senderNumbers.length, senderNeed.slotSeconds, senderNeed.nonceWindow);
    if (senderNumbers.length > 0 && carries < values.rate)
      log(
        `warning: ${senderNumbers.length} senders carry about ${carries}/s within the mempool's nonce window; expect nonce_gap refusals at ${values.rate}/s (--senders auto picks enough)`,
      );
  }
  if (senderNumbers.length === 0 || receiverNumbers.length === 0)
    throw new UsageError("--senders and --receivers each need at least one account");

  // --- nodes ------------------------------------------------------------------------------------------
  const infos = await nodeInfos(apis);
  const shardCount = infos[0]!.shardCount;
  const trackers = trackersByShard(infos, shardCount);
  log(
    `nodes: ${infos.map((i) => `${i.name}=[${i.trackedShards.join(",")}]`).join(" ")}; ${shardCount} shards`,
  );

  // --- accounts ---------------------------------------------------------------------------------------
  const party = (n: number) => {
    const key = devAccountKey(n);
    const address = addressFromPubkey(key.publicKey);
    return { n, key, address, hex: bytesToHex(address), shard: shardOf(address, shardCount) };
  };
  const senders = senderNumbers.map(party);
  const receivers = receiverNumbers.map(party);
  for (const s of senders) {
    if (trackers[s.shard]!.length === 0)
      throw new LoadgenError(
        `no given node tracks shard ${s.shard} of sender dev:${s.n}; add one with --apis`,
      );
  }
  const total = Math.round(values.rate * values.duration);
  const random = new SeededRandom(values.seed);
  const plan = planTransfers(total, senders, receivers, values["cross-shard"], () => random.next());
  const perSender = new Map<number, number>();
  for (const t of plan) perSender.set(t.sender, (perSender.get(t.sender) ?? 0) + 1);
  const nodeOfSender = senders.map((s, i) => trackers[s.shard]![i % trackers[s.shard]!.length]!);
  const states = await mapLimit(
    senders.map((s, i) => ({ s, node: nodeOfSender[i]! })),
    16,
    ({ s, node }) => accountState(node.api, s.hex),
  );
  senders.forEach((s, i) => {
    const need = BigInt(perSender.get(i) ?? 0) * BigInt(values.amount + values.fee);
    if (states[i]!.balance < need)
      throw new LoadgenError(
        `dev:${s.n} holds ${states[i]!.balance}, its ${perSender.get(i)} transfers need ${need}: ` +
          (auto
            ? `--rate ${values.rate} needs dev:0..${senders.length - 1} funded; lower --rate, or pass --genesis so the funded accounts are counted up front`
            : "choose --senders among the accounts funded at genesis"),
      );
  });

  // --- transfers, signed when due ----------------------------------------------------------------------
  // Each sender's next nonce. When a node refuses a transfer as nonce_gap (too far ahead of the chain: an
  // earlier one never arrived) or nonce_replay (already used), or drops one it accepted for either reason,
  // the sender's nonce is read again from a node and the next transfers carry on from there.
  const nonces = states.map((s) => s.nonce);
  const rereading = new Set<number>();
  let nonceRereads = 0;
  const rereadNonce = (sender: number, code: string): void => {
    if (rereading.has(sender)) return;
    rereading.add(sender);
    nonceRereads++;
    void accountState(nodeOfSender[sender]!.api, senders[sender]!.hex)
      .then(({ nonce }) => {
        // A replay means the chain is past our counter; a gap means our counter is past what the chain
        // will reach (the missing nonces are re-used, filling the gap).
        nonces[sender] = code === "nonce_replay" ? Math.max(nonces[sender]!, nonce) : nonce;
      })
      .catch(() => undefined)
      .finally(() => rereading.delete(sender));
  };
  const NONCE_CODES = new Set(["nonce_gap", "nonce_replay"]);
  const senderOf = new Map<string, number>();
  const signTransfer = (t: (typeof plan)[number]) => {
    const from = senders[t.sender]!;
    const tx = signTransaction(
      {
        from: from.address,
        to: receivers[t.receiver]!.address,
        amount: BigInt(values.amount),
        nonce: nonces[t.sender]!++,
        fee: BigInt(values.fee),
        pubkey: from.key.publicKey,
      },
      from.key.secretKey,
    );
    const signedTx = {
      tx,
      hash: bytesToHex(transactionHash(tx)),
      sender: t.sender,
      cross: t.cross,
    };
    senderOf.set(signedTx.hash, t.sender);
    return signedTx;
  };
  type SignedTransfer = ReturnType<typeof signTransfer>;
  log(
    `${total} transfers planned (${senders.length} senders, ${receivers.length} receivers); sending ${values.rate}/s for ${values.duration} s`,
  );

  // --- metrics ----------------------------------------------------------------------------------------
  const metrics = new LoadgenMetrics();
  const metricsServer =
    values["metrics-port"] > 0
      ? await metrics.serve(values["metrics-port"], values["metrics-host"]).catch((err: Error) => {
          throw new LoadgenError(
            `cannot serve metrics on ${values["metrics-host"]}:${values["metrics-port"]}: ${err.message}`,
          );
        })
      : undefined;
  if (metricsServer) log(`metrics: http://${values["metrics-host"]}:${values["metrics-port"]}/metrics`);
  /** Applies a node's status report, observing the latency of each stage the transfer reaches first here. */
  const observeStatus = (record: TransferRecord, view: Parameters<typeof applyStatus>[1]): void => {
    const before = STAGES.map((stage) => stageMs(record, stage));
    applyStatus(record, view, Date.now());
    STAGES.forEach((stage, i) => {
      const at = stageMs(record, stage);
      if (before[i] === undefined && at !== undefined)
        metrics.reached(stage, (at - record.scheduledMs) / 1000);
    });
  };

  // --- follow statuses --------------------------------------------------------------------------------
  const records = new Map<string, TransferRecord>();
  const abort = new AbortController();
  /**
   * The nodes sent to, each followed over one event stream: opened before the first send, or when senders
   * move to the node after a failed request.
   */
  const used = new Set<NodeInfo>();
  const followers: Promise<void>[] = [];
  /** When a node first announced each shard block as its head: the inclusion time of its transfers. */
  const headSeenMs = new Map<string, number>();
  const follow = (node: NodeInfo): void => {
    if (used.has(node)) return;
    used.add(node);
    followers.push(
      followEvents(
        node.api,
        {
          transaction: (view) => {
            const hash = view.hash.replace(/^0x/, "");
            const record = records.get(hash);
            if (!record) return;
            observeStatus(record, view);
            const sender = senderOf.get(hash);
            if (
              view.status === "dropped" &&
              view.reason &&
              NONCE_CODES.has(view.reason.code) &&
              sender !== undefined
            )
              rereadNonce(sender, view.reason.code);
          },
          shardHead: (head) => {
            if (!headSeenMs.has(head.root)) headSeenMs.set(head.root, Date.now());
          },
        },
        abort.signal,
      ),
    );
  };
  for (const node of nodeOfSender) follow(node);
  await sleep(300); // subscriptions in place before the first send

  // --- open-loop sending ------------------------------------------------------------------------------
  const startMs = Date.now();
  metrics.targetRate.set(values.rate);
  const inflight: Promise<void>[] = [];
  let next = 0;
  let lastProgress = startMs;
  const progress = () => {
    if (!values.quiet) log(progressLine([...records.values()], total, Date.now() - startMs));
  };
  /**
   * Submits one batch; when the request fails (the node is down or unreachable), the same signed transfers
   * (same nonces) go once to another node that tracks their sender's shard, and their senders move there.
   * Transfers no node could be asked about count as never reached, apart from refusals.
   */
  const sendBatch = async (node: NodeInfo, batch: SignedTransfer[], retry = true): Promise<void> => {
    let outcomes: Awaited<ReturnType<typeof submitBatch>>;
    try {
      outcomes = await submitBatch(
        node.api,
        batch.map((t) => t.tx),
      );
    } catch (err) {
      const byAlternative = new Map<NodeInfo, SignedTransfer[]>();
      for (const t of batch) {
        const alternative = retry ? trackers[senders[t.sender]!.shard]!.find((n) => n !== node) : undefined;
        if (alternative === undefined) {
          const record = records.get(t.hash)!;
          metrics.rejected.inc();
          record.accepted = false;
          record.reached = false;
          record.rejection = `request failed: ${(err as Error).message}`;
          continue;
        }
        nodeOfSender[t.sender] = alternative;
        follow(alternative);
        const list = byAlternative.get(alternative) ?? [];
        if (list.length === 0) byAlternative.set(alternative, list);
        list.push(t);
      }
      await Promise.all([...byAlternative].map(([alt, list]) => sendBatch(alt, list, false)));
      return;
    }
    outcomes.forEach((outcome, k) => {
      const record = records.get(batch[k]!.hash)!;
      record.reached = true;
      record.accepted = outcome.status === "pending";
      (record.accepted ? metrics.accepted : metrics.rejected).inc();
      if (outcome.status === "rejected") {
        record.rejection = `${outcome.code}: ${outcome.message}`;
        if (NONCE_CODES.has(outcome.code)) rereadNonce(batch[k]!.sender, outcome.code);
      }
    });
  };
  while (next < total) {
    const due = dueCount(Date.now() - startMs, values.rate, total);
    if (due > next) {
      const byNode = new Map<NodeInfo, SignedTransfer[]>();
      for (let i = next; i < due; i++) {
        const tx = signTransfer(plan[i]!);
        const node = nodeOfSender[tx.sender]!;
        records.set(tx.hash, {
          hash: tx.hash,
          scheduledMs: startMs + scheduledOffsetMs(i, values.rate),
          shard: senders[tx.sender]!.shard,
          cross: tx.cross,
          sender: `dev:${senders[tx.sender]!.n}`,
          nonce: tx.tx.nonce,
        });
        const list = byNode.get(node) ?? [];
        if (list.length === 0) byNode.set(node, list);
        list.push(tx);
      }
      metrics.offered.inc(due - next);
      next = due;
      for (const [node, list] of byNode) {
        for (let at = 0; at < list.length; at += MAX_TX_BATCH) {
          inflight.push(sendBatch(node, list.slice(at, at + MAX_TX_BATCH)));
        }
      }
    }
    if (Date.now() - lastProgress >= 1000) {
      lastProgress = Date.now();
      progress();
    }
    await sleep(TICK_MS);
  }
  const sendSeconds = (Date.now() - startMs) / 1000;
  metrics.targetRate.set(0);
  await Promise.all(inflight);

  // --- until every accepted transfer is finalized (or the timeout) -------------------------------------
  const deadline = Date.now() + values["finality-timeout"] * 1000;
  const stragglers = () =>
    [...records.values()].filter((r) => r.accepted && r.finalizedMs === undefined && r.dropped === undefined);
  let lastPoll = Date.now();
  for (let open = stragglers(); open.length > 0 && Date.now() < deadline; open = stragglers()) {
    await sleep(1000);
    progress();
    // Events can be missed (a reconnect), and a node that tracked a shard for its validators' duties may
    // stop: now and then ask every node that tracks the straggler's shard now.
    if (Date.now() - lastPoll >= 5000) {
      lastPoll = Date.now();
      const trackingNow = trackersByShard(await nodeInfos(apis).catch(() => infos), shardCount);
      await mapLimit(open.slice(0, 500), 16, async (r) => {
        for (const node of trackingNow[r.shard] ?? []) {
          const view = await transactionStatus(node.api, r.hash).catch(() => undefined);
          if (view) observeStatus(r, view);
          if (r.finalizedMs !== undefined) return;
        }
      });
    }
  }
  abort.abort();
  await Promise.allSettled(followers);
  metricsServer?.closeAllConnections();
  await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
  for (const record of records.values()) settleInclusion(record, headSeenMs);

  // --- report -------------------------------------------------------------------------------------------
  const report = buildReport(
    {
      rate: values.rate,
      durationSeconds: values.duration,
      crossShare: values["cross-shard"],
      senders: senders.length,
      receivers: receivers.length,
      nodes: [...used].map((n) => n.api),
      seed: values.seed,
    },
    [...records.values()],
    startMs,
    sendSeconds,
    nonceRereads,
  );
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "report.json"), reportJson(report));
  const summary = formatSummary(report);
  writeFileSync(join(out, "summary.txt"), summary);
  writeFileSync(join(out, "latency.svg"), latencyChartSvg(report));
  process.stdout.write(
    `\n${summary}\nreport: ${join(out, "report.json")}, ${join(out, "summary.txt")}, ${join(out, "latency.svg")}\n`,
  );
  return report.notFinalized === 0 && report.dropped === 0 ? 0 : 2;
}

/** For each shard, the given nodes that track it. */
function trackersByShard(infos: readonly NodeInfo[], shardCount: number): NodeInfo[][] {
  const trackers: NodeInfo[][] = Array.from({ length: shardCount }, () => []);
  for (const info of infos) for (const shard of info.trackedShards) trackers[shard]?.push(info);
  return trackers;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    const known = err instanceof UsageError || err instanceof LoadgenError;
    process.stderr.write(`loadgen: ${known ? err.message : err.stack}\n`);
    process.exit(1);
  },
);
