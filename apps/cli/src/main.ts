import { parseArgs } from "node:util";
import { signTransaction, Transaction } from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex } from "@shardnet/crypto";
import { loadAccountKey, parseAddress } from "./keys.js";

const USAGE = `shardnet CLI

  npm run cli -- transfer --from-key <file|dev:N> --to <address|dev:N> --amount <n> [--fee <n>] [--nonce <n>]
                          [--node URL] [--wait pending|included|crosslinked|finalized] [--timeout <s>] [--json]
  npm run cli -- account <address|dev:N> [--node URL] [--json]
  npm run cli -- tx <hash> [--node URL] [--json]

--node defaults to $SHARDNET_NODE or http://127.0.0.1:9001. transfer --wait exits 0 only when the status is reached.
`;

const STATUS_ORDER = ["pending", "included", "crosslinked", "finalized"];

class CliError extends Error {}

async function api<T>(node: string, path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(`${node}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new CliError(
      `cannot reach node ${node}: ${(err as Error).message}. Is the devnet running (npm run devnet)?`,
    );
  }
  return { status: res.status, body: (await res.json()) as T };
}

type Json = Record<string, unknown>;

function parseUint(flag: string, text: string, max = 2n ** 64n - 1n): bigint {
  if (!/^[0-9]+$/.test(text) || BigInt(text) > max) {
    throw new CliError(`--${flag} must be a non-negative integer (at most ${max}), got "${text}"`);
  }
  return BigInt(text);
}

function parseCliArgs() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        "from-key": { type: "string" },
        to: { type: "string" },
        amount: { type: "string" },
        fee: { type: "string", default: "1" },
        nonce: { type: "string" },
        node: { type: "string", default: process.env.SHARDNET_NODE ?? "http://127.0.0.1:9001" },
        wait: { type: "string" },
        timeout: { type: "string", default: "120" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseCliArgs();
  const [command, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const node = values.node!.replace(/\/$/, "");
  const print = (human: string, json: unknown) =>
    process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : `${human}\n`);

  if (command === "account") {
    if (!arg) throw new CliError("account needs an address or dev:N");
    let address: string;
    try {
      address = `0x${bytesToHex(parseAddress(arg))}`;
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const { status, body } = await api<Json>(node, `/v1/accounts/${address}`);
    if (status !== 200) throw new CliError(`node refused: ${String(body.message)}`);
    print(
      `address ${body.address}\nshard   ${body.shard}\nbalance ${body.balance}\nnonce   ${body.nonce}`,
      body,
    );
    return 0;
  }
  if (command === "tx") {
    if (!arg) throw new CliError("tx needs a transaction hash");
    const { status, body } = await api<Json>(node, `/v1/transactions/${arg}`);
    if (status !== 200) throw new CliError(`node refused: ${String(body.message)}`);
    print(JSON.stringify(body, null, 2), body);
    return 0;
  }
  if (command === "transfer") {
    if (!values["from-key"] || !values.to || !values.amount)
      throw new CliError("transfer needs --from-key, --to and --amount");
    if (values.wait && !STATUS_ORDER.includes(values.wait))
      throw new CliError(`--wait must be one of ${STATUS_ORDER.join(", ")}`);
    const amount = parseUint("amount", values.amount);
    const fee = parseUint("fee", values.fee!);
    let nonce =
      values.nonce === undefined ? undefined : Number(parseUint("nonce", values.nonce, 2n ** 53n - 1n));
    const timeoutSec = Number(parseUint("timeout", values.timeout!, 86_400n));
    let key: ReturnType<typeof loadAccountKey>;
    let to: Uint8Array;
    try {
      key = loadAccountKey(values["from-key"]);
      to = parseAddress(values.to);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const from = addressFromPubkey(key.publicKey);
    if (nonce === undefined) {
      const { status, body } = await api<Json>(node, `/v1/accounts/0x${bytesToHex(from)}`);
      if (status !== 200)
        throw new CliError(`cannot read the sender's nonce: ${String(body.message)}; pass --nonce`);
      nonce = Number(body.nonce);
    }
    const tx = signTransaction({ from, to, amount, nonce, fee, pubkey: key.publicKey }, key.secretKey);
    const { status, body } = await api<Json>(node, "/v1/transactions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(Transaction.toJson(tx)),
    });
    if (status >= 400)
      throw new CliError(`transaction refused (${String(body.code)}): ${String(body.message)}`);
    const hash = `0x${String(body.hash).replace(/^0x/, "")}`;
    if (!values.wait) {
      print(`submitted ${hash} (shard ${String(body.shard)}, status ${String(body.status)})`, body);
      return 0;
    }
    const wanted = STATUS_ORDER.indexOf(values.wait);
    const deadline = Date.now() + timeoutSec * 1000;
    let last = "";
    while (Date.now() < deadline) {
      const res = await api<Json>(node, `/v1/transactions/${hash}`);
      const current = String(res.body.status ?? "unknown");
      if (current !== last && !values.json) process.stderr.write(`${hash} ${current}\n`);
      last = current;
      if (current === "rejected" || current === "dropped")
        throw new CliError(`transaction ${current}: ${JSON.stringify(res.body.reason)}`);
      if (STATUS_ORDER.indexOf(current) >= wanted) {
        print(`${hash} reached ${current}`, res.body);
        return 0;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new CliError(
      `timed out after ${values.timeout}s waiting for ${hash} to reach ${values.wait} (last status ${last})`,
    );
  }
  throw new CliError(`unknown command "${command}"\n\n${USAGE}`);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    const detail =
      err instanceof CliError || !process.env.SHARDNET_DEBUG ? (err as Error).message : (err as Error).stack;
    process.stderr.write(`shardnet: ${detail}\n`);
    process.exit(1);
  },
);
