import { ListCompositeType } from "@chainsafe/ssz";
import {
  computeStartSlotAtEpoch,
  DepositTransaction,
  type DepositTransactionValue,
  genesisToJson,
  getAccountProof,
  SignedBeaconBlock,
  SignedShardBlock,
  SignedVoluntaryExit,
  type SignedVoluntaryExitValue,
  shardOf,
  stakeLedger,
  stakeLedgerMismatch,
  TRANSACTION_SIZE,
  type Transaction,
  Transaction as TransactionType,
  transactionHash,
  withdrawableEpoch,
} from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";
import type { FastifyInstance } from "fastify";
import type { ShardChain } from "../chain/shardChain.js";
import type { ShardnetNode } from "../shardnetNode.js";
import { finalizedCheckpointBundle } from "../sync/checkpointSync.js";
import type { SubmitResult } from "../tx/txService.js";
import { ApiError, badRequest, notFound, syncing } from "./errors.js";
import { registerExplorerRoutes } from "./explorerRoutes.js";

/** Most transactions in one `POST /v1/transactions` batch. */
export const MAX_TX_BATCH = 1000;

/** The SSZ body of `POST /v1/transactions` (application/octet-stream): at most 1000 × 160 bytes. */
const SszTransactionBatch = new ListCompositeType(TransactionType, MAX_TX_BATCH);

/**
 * Decodes an SSZ transaction batch, or throws a 400 that says what is wrong: nothing of a body that does
 * not decode as a whole is admitted.
 */
function decodeSszBatch(bytes: Uint8Array): Transaction[] {
  if (bytes.length === 0) throw badRequest("EMPTY_BATCH", "the batch holds no transactions");
  if (bytes.length % TRANSACTION_SIZE !== 0)
    throw badRequest(
      "INVALID_SSZ",
      `body is ${bytes.length} bytes, not a whole number of ${TRANSACTION_SIZE}-byte transactions: expected SSZ List[Transaction, ${MAX_TX_BATCH}]`,
    );
  try {
    return SszTransactionBatch.deserialize(bytes);
  } catch (err) {
    throw badRequest(
      "INVALID_SSZ",
      `body does not decode as SSZ List[Transaction, ${MAX_TX_BATCH}]: ${(err as Error).message}`,
    );
  }
}

const withHexHashes = (results: SubmitResult[]) =>
  results.map((r) => (r.hash ? { ...r, hash: `0x${r.hash}` } : r));

const HEX32 = "^(0x)?[0-9a-fA-F]{64}$";
const blockIdParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: `^([0-9]{1,15}|(0x)?[0-9a-fA-F]{64})$` } },
} as const;
const shardParam = { shard: { type: "integer", minimum: 0, maximum: 1023 } } as const;

const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const stripHex = (s: string) => s.replace(/^0x/, "").toLowerCase();

/** The HTTP JSON API of DESIGN.md §7 (bad input → 4xx `{code, message}`, never a crash or a state change). */
export function registerNodeRoutes(app: FastifyInstance, node: ShardnetNode): void {
  const { beacon } = node;
  const requireSynced = () => {
    if (node.sync.isSyncing()) throw syncing();
  };
  const shardChain = (shard: number): ShardChain => {
    if (shard >= beacon.preset.SHARD_COUNT) {
      throw badRequest(
        "UNKNOWN_SHARD",
        `shard ${shard} does not exist: this network has shards 0..${beacon.preset.SHARD_COUNT - 1}`,
      );
    }
    const chain = node.shardChains.get(shard);
    if (!chain)
      throw new ApiError(
        404,
        "SHARD_NOT_TRACKED",
        `this node does not track shard ${shard}; ask a node that does (see /v1/node/status trackedShards)`,
      );
    return chain;
  };

  // --- node -----------------------------------------------------------------------------------------------
  // Readiness: 200 only while connected and in step with the beacon chain and every tracked shard;
  // 503 with `isolated` or `syncing` and the reasons otherwise.
  app.get("/v1/node/health", async (_req, reply) => {
    const health = node.health();
    if (health.status !== "ok") reply.code(503);
    return health;
  });
  // Liveness: the process serves its API (container health checks, process supervisors).
  app.get("/v1/node/live", async () => ({ status: "live" }));
  // Checkpoint sync: the newest finalized block with its post-state, as SSZ (FinalizedCheckpointBundle),
  // for nodes started with --checkpoint-sync-url. Served from the database (only what is on disk).
  app.get("/v1/checkpoint/finalized", async (_req, reply) => {
    const bundle = await finalizedCheckpointBundle(node.db);
    if (!bundle)
      throw new ApiError(
        404,
        "NO_FINALIZED_CHECKPOINT",
        "no finalized checkpoint stored yet: retry after finality",
      );
    reply
      .type("application/octet-stream")
      .header("x-checkpoint-root", `0x${bundle.root}`)
      .header("x-checkpoint-epoch", String(bundle.epoch))
      .header("x-checkpoint-slot", String(bundle.slot));
    return Buffer.from(bundle.bytes.buffer, bundle.bytes.byteOffset, bundle.bytes.byteLength);
  });
  app.get("/v1/node/status", async () => node.status());
  // The network's genesis (its canonical JSON form, whose SHA-256 is the genesis hash), for --genesis-url.
  app.get("/v1/genesis", async () => genesisToJson(node.genesis));
  app.get("/v1/node/peers", async () => ({
    peerId: node.p2p.peerId,
    peers: node.p2p.connectedPeers().map((id) => ({ peerId: id, score: node.p2p.peerScore(id) })),
  }));
  // How this node stands with one peer, connected or not: a peer that sent invalid gossip keeps its negative
  // score for a while after it is dropped (graylisted: below the graylist threshold; banned: refused now).
  app.get<{ Params: { peerId: string } }>(
    "/v1/node/peers/:peerId",
    {
      schema: {
        params: {
          type: "object",
          properties: { peerId: { type: "string", pattern: "^[1-9A-HJ-NP-Za-km-z]{1,128}$" } },
        },
      },
    },
    async (req) => {
      const { peerId } = req.params;
      return {
        peerId,
        connected: node.p2p.connectedPeers().includes(peerId),
        score: node.p2p.peerScore(peerId),
        graylisted: node.p2p.isGraylisted(peerId),
        banned: node.p2p.isBanned(peerId),
      };
    },
  );

  // --- beacon ---------------------------------------------------------------------------------------------
  app.get("/v1/beacon/head", async () => {
    requireSynced();
    const head = beacon.head();
    return { slot: head.slot, root: `0x${head.root}`, stateRoot: hex(head.state.state.hashTreeRoot()) };
  });

  app.get<{ Params: { id: string } }>(
    "/v1/beacon/blocks/:id",
    { schema: { params: blockIdParams } },
    async (req) => {
      const id = req.params.id;
      const bySlot = /^[0-9]+$/.test(id);
      const entry = bySlot ? beacon.canonicalAt(Number(id)) : beacon.get(stripHex(id));
      if (!entry && !bySlot) {
        // Below finality blocks live on disk only (backfilled ones too): served by root, `canonical` unknown.
        const bytes = await beacon.blockBytesByRoot(stripHex(id));
        if (bytes) {
          const signed = SignedBeaconBlock.deserialize(bytes);
          return {
            root: `0x${stripHex(id)}`,
            slot: signed.message.slot,
            canonical: null,
            block: SignedBeaconBlock.toJson(signed),
          };
        }
      }
      if (!entry || (bySlot && entry.slot !== Number(id))) throw notFound(`beacon block ${id}`);
      return {
        root: `0x${entry.root}`,
        slot: entry.slot,
        canonical: beacon.canonicalAt(entry.slot)?.root === entry.root,
        block: entry.signed ? SignedBeaconBlock.toJson(entry.signed) : null,
      };
    },
  );

  app.get<{ Querystring: { epoch?: number } }>(
    "/v1/beacon/committees",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { epoch: { type: "integer", minimum: 0 } },
        },
      },
    },
    async (req) => {
      const headState = beacon.head().state;
      const epoch = req.query.epoch ?? headState.epochCtx.epoch;
      let shuffling: ReturnType<typeof headState.epochCtx.getShufflingAtEpoch>;
      try {
        shuffling = headState.epochCtx.getShufflingAtEpoch(epoch);
      } catch (err) {
        throw badRequest("EPOCH_OUT_OF_RANGE", (err as Error).message);
      }
      const start = computeStartSlotAtEpoch(beacon.preset, epoch);
      // Beacon proposers are known for the head state's epoch and the next one.
      const beaconProposers = beacon.beaconProposersOf(epoch);
      return {
        epoch,
        period: shuffling.period,
        beaconProposers: beaconProposers?.map((validator, i) => ({ slot: start + i, validator })) ?? null,
        committees: shuffling.committees.map((members, shard) => ({
          shard,
          validators: Array.from(members),
          proposers: Array.from({ length: beacon.preset.SLOTS_PER_EPOCH }, (_, i) => ({
            slot: start + i,
            validator: headState.epochCtx.getShardProposer(shard, start + i),
          })),
        })),
      };
    },
  );

  // One validator's registry entry in the head state (slashed; activation, exit and withdrawable epochs).
  app.get<{ Params: { index: number } }>(
    "/v1/beacon/validators/:index",
    {
      schema: {
        params: {
          type: "object",
          required: ["index"],
          properties: { index: { type: "integer", minimum: 0, maximum: 2 ** 40 } },
        },
      },
    },
    async (req) => {
      const state = beacon.head().state.state;
      const index = req.params.index;
      if (index >= state.validators.length)
        throw notFound(`validator ${index} (the registry holds ${state.validators.length})`);
      const v = state.validators.getReadonly(index);
      const epoch = (e: number) => (Number.isFinite(e) ? e : null);
      return {
        index,
        pubkey: hex(v.pubkey),
        withdrawalAddress: hex(v.withdrawalAddress),
        stake: v.stake.toString(),
        activationEpoch: epoch(v.activationEpoch),
        exitEpoch: epoch(v.exitEpoch),
        // From this epoch's start the stake is on its way to withdrawalAddress (stake 0 once sent).
        withdrawableEpoch: epoch(withdrawableEpoch(beacon.preset, v)),
        slashed: v.slashed,
      };
    },
  );

  // Voluntary exits (issue 18): pooled for this node's proposals and gossiped on `voluntary_exit`.
  app.get("/v1/beacon/pool/voluntary_exits", async () => ({
    exits: node.exits.all().map((e) => SignedVoluntaryExit.toJson(e)),
  }));
  app.post<{ Body: unknown }>("/v1/beacon/pool/voluntary_exits", async (req, reply) => {
    let signed: SignedVoluntaryExitValue;
    try {
      signed = SignedVoluntaryExit.fromJson(req.body);
    } catch (err) {
      throw badRequest(
        "INVALID_BODY",
        `body must be a SignedVoluntaryExit, {"message": {"epoch": "<n>", "validator_index": "<n>"}, "signature": "0x<96 bytes>"}: ${(err as Error).message}`,
      );
    }
    const refused = node.submitVoluntaryExit(signed);
    if (refused === null)
      return reply.status(202).send({ status: "pooled", validatorIndex: signed.message.validatorIndex });
    if (refused.kind === "known")
      return reply.status(202).send({ status: "known", validatorIndex: signed.message.validatorIndex });
    throw new ApiError(
      refused.kind === "full" ? 503 : 400,
      `EXIT_${refused.kind.toUpperCase()}`,
      `validator ${signed.message.validatorIndex}: ${refused.reason}`,
    );
  });

  // Deposits (issue 18): a shard transaction paying a new validator's stake; pooled for shard proposers and
  // gossiped on `deposit`. The beacon chain registers it once its shard block is crosslinked.
  app.post<{ Body: unknown }>("/v1/deposits", async (req, reply) => {
    let tx: DepositTransactionValue;
    try {
      tx = DepositTransaction.fromJson(req.body);
    } catch (err) {
      throw badRequest(
        "INVALID_BODY",
        `body must be a DepositTransaction as JSON ({"from", "nonce", "fee", "pubkey", "deposit": {"pubkey", "withdrawal_address", "amount", "signature"}, "signature"}; \`npm run validator -- deposit\` builds one): ${(err as Error).message}`,
      );
    }
    const result = node.submitDeposit(tx);
    if ("status" in result)
      return reply.status(202).send({ hash: `0x${result.hash}`, status: result.status });
    throw new ApiError(result.kind === "full" ? 503 : 400, result.code, result.message);
  });

  app.get("/v1/beacon/crosslinks", async () => {
    const state = beacon.head().state.state;
    return {
      headSlot: beacon.head().slot,
      crosslinks: state.currentCrosslinks.getAllReadonlyValues().map((c) => ({
        shard: c.shard,
        slot: c.slot,
        shardBlockRoot: hex(c.shardBlockRoot),
        stateRoot: hex(c.stateRoot),
        outboxRoot: hex(c.outboxRoot),
        parentCrosslinkRoot: hex(c.parentCrosslinkRoot),
      })),
    };
  });

  // The beacon chain's stake ledger in the head state (issue 18): stake held + burned by slashing + sent back as
  // withdrawals = genesis stake + deposits registered; `problem` names a break (null when it holds). With the
  // shards' ledgers (/v1/shards/{s}/supply) it makes the whole supply invariant. O(validators).
  app.get("/v1/beacon/supply", async () => {
    const head = beacon.head();
    const state = head.state.state;
    const genesisStake = node.genesis.validators.reduce((sum, v) => sum + v.stake, 0n);
    const ledger = stakeLedger(state);
    return {
      slot: head.slot,
      root: `0x${head.root}`,
      genesisStake: genesisStake.toString(),
      stakeHeld: ledger.held.toString(),
      burnedStake: ledger.burned.toString(),
      depositsRegistered: state.depositedAmounts.getAll().map((amount, shard) => ({
        shard,
        count: state.depositCursors.get(shard),
        amount: amount.toString(),
      })),
      withdrawalsSent: state.withdrawnAmounts.getAll().map((amount, shard) => ({
        shard,
        count: state.withdrawalOutboxes.getReadonly(shard).length,
        amount: amount.toString(),
      })),
      problem: stakeLedgerMismatch(ledger, genesisStake),
    };
  });

  app.get("/v1/beacon/finality", async () => {
    const j = beacon.justifiedCheckpoint();
    const f = beacon.finalizedCheckpoint();
    return {
      justified: { epoch: j.epoch, root: hex(j.root) },
      finalized: { epoch: f.epoch, root: hex(f.root) },
      headSlot: beacon.head().slot,
    };
  });

  // --- shards ---------------------------------------------------------------------------------------------
  app.get<{ Params: { shard: number } }>(
    "/v1/shards/:shard/head",
    { schema: { params: { type: "object", required: ["shard"], properties: shardParam } } },
    async (req) => {
      const chain = shardChain(req.params.shard);
      requireSynced();
      const head = chain.head();
      return {
        shard: chain.shard,
        slot: head.slot,
        root: `0x${head.root}`,
        stateRoot: hex(head.state.hashTreeRoot()),
        crosslinkedRoot: `0x${chain.forkChoice.getCrosslinkedRoot()}`,
        mempool: chain.mempool.size,
        pendingReceipts: chain.pendingReceipts.size,
      };
    },
  );

  // The supply ledger of a shard's head state (DESIGN.md §9.2): balances + fees burned + deposits paid − withdrawals
  // credited + receipts sent − receipts credited is the shard's genesis allocation, and the sum over shards is the genesis supply. O(accounts):
  // for invariant checks (the chaos harness), not for hot paths.
  app.get<{ Params: { shard: number } }>(
    "/v1/shards/:shard/supply",
    { schema: { params: { type: "object", required: ["shard"], properties: shardParam } } },
    async (req) => {
      const chain = shardChain(req.params.shard);
      requireSynced();
      const head = chain.head();
      const state = head.state;
      const shards = Array.from({ length: beacon.preset.SHARD_COUNT }, (_, s) => s);
      return {
        shard: chain.shard,
        slot: head.slot,
        root: `0x${head.root}`,
        balances: state.totalBalance().toString(),
        feesBurned: state.feesBurned.toString(),
        sent: shards.map((dest) => ({
          dest,
          count: state.outboxLength(dest),
          amount: state.sentAmount(dest).toString(),
        })),
        credited: shards.map((source) => ({
          source,
          count: state.inboxCursor(source),
          amount: state.creditedAmount(source).toString(),
        })),
        // Deposits: stake paid to the beacon chain from this shard's balances (the beacon outbox).
        depositsPaid: {
          count: state.outboxLength(state.beaconOutbox),
          amount: state.sentAmount(state.beaconOutbox).toString(),
        },
        // Withdrawals: stake the beacon chain sent back, credited to this shard's accounts (its inbox from the
        // beacon chain).
        withdrawalsCredited: {
          count: state.inboxCursor(state.beaconOutbox),
          amount: state.creditedAmount(state.beaconOutbox).toString(),
        },
      };
    },
  );

  app.get<{ Params: { shard: number; id: string } }>(
    "/v1/shards/:shard/blocks/:id",
    {
      schema: {
        params: {
          type: "object",
          required: ["shard", "id"],
          properties: { ...shardParam, id: blockIdParams.properties.id },
        },
      },
    },
    async (req) => {
      const chain = shardChain(req.params.shard);
      const id = req.params.id;
      let bytes: Uint8Array | undefined;
      if (/^[0-9]+$/.test(id)) {
        const slot = Number(id);
        let entry = chain.head();
        while (entry && entry.slot > slot) {
          const parent = chain.get(entry.parentRoot);
          if (!parent) break;
          entry = parent;
        }
        if (entry.slot === slot && entry.signed) bytes = SignedShardBlock.serialize(entry.signed);
        else bytes = (await chain.blocksByRange(slot, 1))[0];
      } else {
        const entry = chain.get(stripHex(id));
        bytes = entry?.signed
          ? SignedShardBlock.serialize(entry.signed)
          : await chain.blockByRoot(stripHex(id));
      }
      if (!bytes) throw notFound(`block ${id} of shard ${chain.shard}`);
      const block = SignedShardBlock.deserialize(bytes);
      const root = bytesToHex(
        SignedShardBlock.fields.message.fields.header.hashTreeRoot(block.message.header),
      );
      return {
        shard: chain.shard,
        root: `0x${root}`,
        slot: block.message.header.slot,
        block: SignedShardBlock.toJson(block),
        // The hash of each transaction, in block order (what GET /v1/transactions/{hash} takes).
        txHashes: block.message.body.transactions.map((tx) => hex(transactionHash(tx))),
      };
    },
  );

  // --- accounts -------------------------------------------------------------------------------------------
  app.get<{ Params: { address: string }; Querystring: { proof?: boolean } }>(
    "/v1/accounts/:address",
    {
      schema: {
        params: {
          type: "object",
          required: ["address"],
          properties: { address: { type: "string", pattern: "^(0x)?[0-9a-fA-F]{40}$" } },
        },
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { proof: { type: "boolean" } },
        },
      },
    },
    async (req) => {
      const address = hexToBytes(stripHex(req.params.address));
      const shard = shardOf(address, beacon.preset.SHARD_COUNT);
      const chain = shardChain(shard);
      requireSynced();
      const account = chain.head().state.getAccount(address);
      const body: Record<string, unknown> = {
        address: hex(address),
        shard,
        balance: (account?.balance ?? 0n).toString(),
        nonce: account?.nonce ?? 0,
        headSlot: chain.head().slot,
      };
      if (req.query.proof) {
        const crosslink = beacon.head().state.state.currentCrosslinks.getReadonly(shard).toValue();
        const rootHex = bytesToHex(crosslink.shardBlockRoot);
        const entry = chain.get(rootHex);
        if (!entry)
          throw new ApiError(
            503,
            "CROSSLINK_STATE_UNAVAILABLE",
            "the crosslinked shard state is not available yet; retry after sync",
          );
        const proven = getAccountProof(entry.state, address);
        body.proof = {
          crosslink: {
            shard,
            slot: crosslink.slot,
            shardBlockRoot: hex(crosslink.shardBlockRoot),
            stateRoot: hex(crosslink.stateRoot),
          },
          stateRoot: hex(entry.state.hashTreeRoot()),
          account: proven
            ? {
                balance: proven.account.balance.toString(),
                nonce: proven.account.nonce,
                index: proven.proof.index,
                branch: proven.proof.branch.map(hex),
              }
            : null,
        };
      }
      return body;
    },
  );

  // --- transactions ---------------------------------------------------------------------------------------
  // One route, two bodies: JSON (an object or an array) or SSZ bytes of List[Transaction, MAX_TX_BATCH]
  // (`application/octet-stream`), which costs the node no JSON parsing and no hex decoding. The SSZ parser is
  // registered in this route's own plugin scope, so no other route accepts octet-stream bodies.
  app.register(async (scoped) => {
    scoped.addContentTypeParser(
      "application/octet-stream",
      { parseAs: "buffer", bodyLimit: SszTransactionBatch.maxSize },
      (_req, body, done) => done(null, body),
    );
    scoped.post<{ Body: unknown }>("/v1/transactions", async (req, reply) => {
      const body = req.body;
      if (body instanceof Uint8Array) {
        const txs = decodeSszBatch(body);
        const results = withHexHashes(await node.txs.submitTransactions(txs));
        const accepted = results.filter((r) => r.status === "pending").length;
        return reply
          .status(accepted > 0 ? 202 : 400)
          .send({ accepted, rejected: results.length - accepted, results });
      }
      if (body === undefined || body === null || typeof body !== "object") {
        throw badRequest(
          "INVALID_BODY",
          `body must be a transaction object or an array of up to ${MAX_TX_BATCH} transactions (Content-Type: application/json), or SSZ List[Transaction, ${MAX_TX_BATCH}] (Content-Type: application/octet-stream)`,
        );
      }
      const batch = Array.isArray(body) ? body : [body];
      if (batch.length === 0) throw badRequest("EMPTY_BATCH", "the batch holds no transactions");
      if (batch.length > MAX_TX_BATCH)
        throw badRequest(
          "BATCH_TOO_LARGE",
          `a batch holds at most ${MAX_TX_BATCH} transactions, got ${batch.length}`,
        );
      const results = withHexHashes(await node.txs.submit(batch));
      const accepted = results.filter((r) => r.status === "pending").length;
      if (!Array.isArray(body)) {
        const [only] = results;
        if (only?.status === "rejected")
          return reply
            .status(400)
            .send({ code: only.code.toUpperCase(), message: only.message, hash: only.hash });
        return reply.status(202).send(only);
      }
      return reply
        .status(accepted > 0 ? 202 : 400)
        .send({ accepted, rejected: results.length - accepted, results });
    });
  });

  app.get<{ Params: { hash: string } }>(
    "/v1/transactions/:hash",
    {
      schema: {
        params: {
          type: "object",
          required: ["hash"],
          properties: { hash: { type: "string", pattern: HEX32 } },
        },
      },
    },
    async (req) => {
      const status = await node.txs.status(stripHex(req.params.hash));
      if (!status) throw notFound(`transaction ${req.params.hash}`);
      return { ...status, hash: `0x${status.hash}` };
    },
  );

  registerExplorerRoutes(app, node, shardChain);
}
