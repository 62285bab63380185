import { parseArgs } from "node:util";
import { MAX_STAKE, MIN_DEPOSIT_STAKE } from "@shardnet/consensus";
import { DatabaseError, InterchangeError } from "@shardnet/node";
import { describeDeposit, sendDeposit } from "./deposit.js";
import { voluntaryExit } from "./exit.js";
import { MAX_KEY_INDEX } from "./keyDerivation.js";
import { keysNew, MNEMONIC_FILE_NAME } from "./keysNew.js";
import {
  exportSlashingProtection,
  importSlashingProtection,
  type ProtectionTarget,
} from "./slashingProtection.js";
import { validatorStatusFromNode } from "./status.js";
import { UserError } from "./userError.js";

const USAGE = `shardnet validator tools

  npm run validator -- keys new --count <n> --out <dir> --password-file <file>
                                [--mnemonic-file <file>] [--start-index <i>] [--json]
  npm run validator -- slashing-protection export --data-dir <dir> --genesis <file> --file <interchange.json> [--json]
  npm run validator -- slashing-protection import --data-dir <dir> --genesis <file> --file <interchange.json> [--json]
  npm run validator -- status <pubkey|index> [--node URL] [--json]
  npm run validator -- deposit --keystore <file> --password-file <file> --from-key <file|dev:N> --amount <gwei>
                             [--withdrawal-address 0x<40 hex>] [--fee <gwei>] [--node URL] [--json]
  npm run validator -- exit --keystore <file> --password-file <file> [--yes] [--node URL] [--json]

keys new: EIP-2333/2334 signing keys m/12381/3600/i/0/0 from a BIP-39 mnemonic, as EIP-2335 keystores
  <out>/keystore-m_12381_3600_<i>_0_0.json encrypted with the password in --password-file. Without
  --mnemonic-file a new 24-word mnemonic is generated and written to <out>/${MNEMONIC_FILE_NAME} (mode 0600).
slashing-protection: EIP-3076 interchange (format version 5) for the node database at --data-dir (the
  node's --data-dir; the node must be stopped). import merges and never lowers a watermark.
status: queued, active, exiting, withdrawable, withdrawn or slashed, with the epochs. --node defaults to $SHARDNET_NODE
  or http://127.0.0.1:9001.
deposit: pays --amount gwei of stake (from ${MIN_DEPOSIT_STAKE} to ${MAX_STAKE}) plus --fee (default 1) from the
  shard account --from-key for the validator key in --keystore, and sends the deposit to --node. --from-key is
  dev:N (dev account N of a dev genesis) or a file holding the account's 32-byte Ed25519 seed as hex (0x…, or
  JSON {"secretKey": "0x…"}), as \`npm run cli -- transfer\` takes it; its nonce comes from the node. The stake
  returns to --withdrawal-address after the validator exits (default: the sender's address). A block of the
  sender's shard includes the deposit; once crosslinked, the beacon chain registers the validator and queues
  it for activation.
exit: signs a voluntary exit with the keystore's key and sends it to --node, which pools and gossips it. It
  cannot be undone: asks for confirmation unless --yes. Valid once the validator has been active
  MIN_VALIDATOR_ACTIVE_PERIODS committee periods; the exit takes effect at a period start (exit queue).
`;

const wantsJson = process.argv.includes("--json");

function parseCliArgs() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        count: { type: "string" },
        out: { type: "string" },
        "password-file": { type: "string" },
        "mnemonic-file": { type: "string" },
        "start-index": { type: "string", default: "0" },
        "data-dir": { type: "string" },
        genesis: { type: "string" },
        file: { type: "string" },
        keystore: { type: "string" },
        "from-key": { type: "string" },
        amount: { type: "string" },
        "withdrawal-address": { type: "string" },
        fee: { type: "string", default: "1" },
        yes: { type: "boolean", default: false },
        node: { type: "string", default: process.env.SHARDNET_NODE ?? "http://127.0.0.1:9001" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (err) {
    throw new UserError("BAD_ARGUMENTS", `${(err as Error).message}\n\n${USAGE}`);
  }
}

function parseCount(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new UserError(
      "BAD_ARGUMENTS",
      `--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(text ?? "")}`,
    );
  return Number(text);
}

function print(json: boolean, human: string, value: unknown): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseCliArgs();
  const [command, sub, arg] = positionals;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!command) throw new UserError("BAD_ARGUMENTS", `no command given\n\n${USAGE}`);
  const json = values.json!;

  if (command === "keys") {
    if (sub !== "new")
      throw new UserError("BAD_ARGUMENTS", `unknown keys command "${sub ?? ""}": use keys new`);
    if (!values.out || !values["password-file"])
      throw new UserError("BAD_ARGUMENTS", "keys new needs --count, --out and --password-file");
    const count = parseCount("count", values.count, 1, 1000);
    const start = parseCount("start-index", values["start-index"], 0, MAX_KEY_INDEX - count + 1);
    const result = await keysNew({
      count,
      start,
      outDir: values.out,
      passwordFile: values["password-file"],
      mnemonicFile: values["mnemonic-file"],
    });
    if (result.mnemonicGenerated) {
      process.stderr.write(
        [
          "",
          "!!! A NEW MNEMONIC WAS GENERATED AND WRITTEN TO",
          `!!!   ${result.mnemonicFile}  (mode 0600)`,
          "!!! It is the only way to recover these validator keys, and anyone who reads it controls them.",
          "!!! Write it down, keep it offline, then delete the file.",
          "",
          "",
        ].join("\n"),
      );
    }
    const lines = result.keystores.map((k) => `${k.path}  ${k.pubkey}  ${k.file}`);
    print(
      json,
      `${result.keystores.length} keystore(s) written (mnemonic ${result.mnemonicGenerated ? "generated: " : "read from "}${result.mnemonicFile}):\n${lines.join("\n")}`,
      result,
    );
    return 0;
  }

  if (command === "slashing-protection") {
    if (sub !== "export" && sub !== "import")
      throw new UserError(
        "BAD_ARGUMENTS",
        `unknown slashing-protection command "${sub ?? ""}": use export or import`,
      );
    if (!values["data-dir"] || !values.genesis || !values.file)
      throw new UserError(
        "BAD_ARGUMENTS",
        `slashing-protection ${sub} needs --data-dir, --genesis and --file`,
      );
    const target: ProtectionTarget = {
      dataDir: values["data-dir"],
      genesisFile: values.genesis,
      file: values.file,
    };
    if (sub === "export") {
      const s = await exportSlashingProtection(target);
      print(
        json,
        `exported ${s.validators} validator(s) to ${s.file}: ${s.beaconBlocks} beacon block(s), ${s.shardBlocks} shard block(s), ${s.attestationSlots} attestation slot(s) (genesis_validators_root ${s.genesisValidatorsRoot})`,
        s,
      );
    } else {
      const s = await importSlashingProtection(target);
      print(
        json,
        `imported ${s.file}: ${s.validators} validator(s), ${s.validatorsChanged} changed; ${s.recordsWritten} record(s) written, ${s.conflicts} slot(s) where the histories differ (now refused), ${s.watermarksChanged} watermark(s) raised`,
        s,
      );
    }
    return 0;
  }

  if (command === "status") {
    if (!sub) throw new UserError("BAD_ARGUMENTS", "status needs a validator pubkey (0x…) or index");
    if (arg !== undefined)
      throw new UserError("BAD_ARGUMENTS", `status takes one validator, got also "${arg}"`);
    const result = await validatorStatusFromNode(values.node!.replace(/\/$/, ""), sub);
    print(json, `validator ${result.index} ${result.pubkey}\n${result.description}`, result);
    return 0;
  }
  if (command === "deposit") {
    if (sub !== undefined)
      throw new UserError("BAD_ARGUMENTS", `deposit takes no positional argument, got "${sub}"`);
    if (!values.keystore || !values["password-file"] || !values["from-key"] || !values.amount)
      throw new UserError(
        "BAD_ARGUMENTS",
        "deposit needs --keystore, --password-file, --from-key and --amount",
      );
    const node = values.node!.replace(/\/$/, "");
    const result = await sendDeposit({
      node,
      keystoreFile: values.keystore,
      passwordFile: values["password-file"],
      fromKey: values["from-key"],
      amount: values.amount,
      fee: values.fee!,
      withdrawalAddress: values["withdrawal-address"],
    });
    print(json, describeDeposit(result, node), result);
    return 0;
  }
  if (command === "exit") {
    if (!values.keystore || !values["password-file"])
      throw new UserError("BAD_ARGUMENTS", "exit needs --keystore and --password-file");
    const result = await voluntaryExit({
      node: values.node!.replace(/\/$/, ""),
      keystoreFile: values.keystore,
      passwordFile: values["password-file"],
      yes: values.yes!,
    });
    print(
      json,
      `exit of validator ${result.index} (${result.pubkey}) signed for epoch ${result.epoch} and ${result.status} by ${values.node}; \`npm run validator -- status ${result.index}\` shows when it takes effect`,
      result,
    );
    return 0;
  }
  throw new UserError("BAD_ARGUMENTS", `unknown command "${command}"\n\n${USAGE}`);
}

/** Errors of the input, files or node state (not bugs): a code and a message, no stack trace. */
function userErrorOf(err: unknown): { code: string; message: string } | undefined {
  if (err instanceof UserError || err instanceof InterchangeError)
    return { code: err.code, message: err.message };
  if (err instanceof DatabaseError) return { code: "DATABASE", message: err.message };
  return undefined;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = userErrorOf(err);
    const message = (err as Error).message;
    const detail = known || !process.env.SHARDNET_DEBUG ? message : (err as Error).stack;
    if (wantsJson)
      process.stdout.write(`${JSON.stringify({ error: { code: known?.code ?? "INTERNAL", message } })}\n`);
    process.stderr.write(`shardnet-validator: ${detail}\n`);
    process.exit(1);
  },
);
