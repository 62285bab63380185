/** Beacon block page (crosslinks, attestations, slashings, deposits, exits) and shard block page. */
import { getJson } from "./api.js";
import {
  accountHref,
  beaconHref,
  el,
  fields,
  link,
  shardHref,
  short,
  table,
  txHref,
  validatorHref,
} from "./dom.js";
import type { AttestationDataJson, BeaconBlockJson, ShardBlockJson } from "./types.js";

/** Set bits of an SSZ bitlist (0x-hex, the highest set bit is the length marker). */
function bitlistCount(hex: string): number {
  let bits = 0;
  for (let i = 2; i < hex.length; i += 2) {
    let b = Number.parseInt(hex.slice(i, i + 2), 16);
    while (b) {
      bits += b & 1;
      b >>= 1;
    }
  }
  return Math.max(0, bits - 1);
}

const vote = (d: AttestationDataJson) =>
  `slot ${d.slot}, shard ${d.shard}, ${d.source.epoch}→${d.target.epoch}, shard block ${short(d.shard_block_root)}`;

export async function beaconBlockPage(id: string): Promise<HTMLElement> {
  const res = await getJson<BeaconBlockJson>(`/v1/beacon/blocks/${encodeURIComponent(id)}`);
  const page = el("section", { id: "beacon-block" }, el("h1", {}, `Beacon block ${res.slot}`));
  const m = res.block?.message;
  page.append(
    fields([
      ["root", res.root],
      ["slot", String(res.slot)],
      ["canonical", res.canonical === null ? "unknown (served from storage)" : String(res.canonical)],
      ["proposer", m ? link(validatorHref(m.proposer_index), m.proposer_index) : "genesis"],
      ["parent", m ? link(beaconHref(m.parent_root), m.parent_root) : "–"],
      ["state root", m?.state_root ?? "–"],
    ]),
  );
  if (!m) return page;
  const b = m.body;
  page.append(
    el("h2", {}, `Crosslinks (${b.crosslinks.length})`),
    table(
      ["shard", "shard slot", "shard block", "state root", "votes"],
      b.crosslinks.map((c) => [
        c.crosslink.shard,
        c.crosslink.slot,
        link(shardHref(c.crosslink.shard, c.crosslink.shard_block_root), short(c.crosslink.shard_block_root)),
        el("span", { class: "mono" }, short(c.crosslink.state_root)),
        String(bitlistCount(c.attestation.aggregation_bits)),
      ]),
      { "data-list": "crosslinks" },
    ),
    el("h2", {}, `Attestations (${b.attestations.length})`),
    table(
      ["slot", "shard", "shard block", "beacon block", "source → target", "votes"],
      b.attestations.map((a) => [
        a.data.slot,
        a.data.shard,
        link(shardHref(a.data.shard, a.data.shard_block_root), short(a.data.shard_block_root)),
        link(beaconHref(a.data.beacon_block_root), short(a.data.beacon_block_root)),
        `${a.data.source.epoch} → ${a.data.target.epoch}`,
        String(bitlistCount(a.aggregation_bits)),
      ]),
      { "data-list": "attestations" },
    ),
    el("h2", {}, `Proposer slashings (${b.proposer_slashings.length})`),
    table(
      ["validator", "slot"],
      b.proposer_slashings.map((s) => [
        link(
          validatorHref(s.signed_header_1.message.proposer_index),
          s.signed_header_1.message.proposer_index,
        ),
        s.signed_header_1.message.slot,
      ]),
    ),
    el("h2", {}, `Attester slashings (${b.attester_slashings.length})`),
    table(
      ["validators", "vote 1", "vote 2"],
      b.attester_slashings.map((s) => [
        s.attestation_1.attesting_indices
          .filter((i) => s.attestation_2.attesting_indices.includes(i))
          .join(", "),
        vote(s.attestation_1.data),
        vote(s.attestation_2.data),
      ]),
    ),
    el("h2", {}, `Deposits (${b.deposits.length})`),
    table(
      ["pubkey", "stake", "paid by"],
      b.deposits.map(({ transaction: t }) => [
        el("span", { class: "mono" }, short(t.deposit.pubkey, 10)),
        t.deposit.amount,
        el("span", { class: "mono" }, short(t.from, 10)),
      ]),
    ),
    el("h2", {}, `Exits (${b.voluntary_exits.length})`),
    table(
      ["validator", "epoch"],
      b.voluntary_exits.map((e) => [
        link(validatorHref(e.message.validator_index), e.message.validator_index),
        e.message.epoch,
      ]),
    ),
  );
  return page;
}

export async function shardBlockPage(shard: string, id: string): Promise<HTMLElement> {
  const res = await getJson<ShardBlockJson>(
    `/v1/shards/${encodeURIComponent(shard)}/blocks/${encodeURIComponent(id)}`,
  );
  const { header, body } = res.block.message;
  const page = el("section", { id: "shard-block" }, el("h1", {}, `Shard ${res.shard} block ${res.slot}`));
  page.append(
    fields([
      ["root", res.root],
      ["shard", String(res.shard)],
      ["slot", String(res.slot)],
      ["proposer", link(validatorHref(header.proposer_index), header.proposer_index)],
      ["parent", link(shardHref(res.shard, header.parent_root), header.parent_root)],
      ["built on beacon block", link(beaconHref(header.beacon_block_root), header.beacon_block_root)],
      ["state root", header.state_root],
      ["outbox root", header.outbox_root],
    ]),
    el("h2", {}, `Transactions (${body.transactions.length})`),
    table(
      ["hash", "from", "to", "amount", "fee", "nonce"],
      body.transactions.map((t, i) => {
        const hash = res.txHashes[i] ?? "";
        return [
          link(txHref(hash), short(hash)),
          link(accountHref(t.from), short(t.from)),
          link(accountHref(t.to), short(t.to)),
          t.amount,
          t.fee,
          t.nonce,
        ];
      }),
      { "data-list": "transactions" },
    ),
    el("h2", {}, `Incoming receipts (${body.incoming_receipts.length})`),
    table(
      ["source shard", "seq", "from", "to", "amount", "transaction", "proven against crosslink"],
      body.incoming_receipts.map((r) => [
        `shard ${r.receipt.source}`,
        r.receipt.seq,
        link(accountHref(r.receipt.from), short(r.receipt.from)),
        link(accountHref(r.receipt.to), short(r.receipt.to)),
        r.receipt.amount,
        link(txHref(r.receipt.tx_hash), short(r.receipt.tx_hash)),
        link(
          shardHref(r.crosslink_shard, r.crosslink_block_root),
          `shard ${r.crosslink_shard} slot ${r.crosslink_slot}`,
        ),
      ]),
      { "data-list": "receipts" },
    ),
  );
  return page;
}
