/**
 * `validator exit`: signs a voluntary exit with the validator's EIP-2335 keystore and sends it to a node
 * (`POST /v1/beacon/pool/voluntary_exits`), which checks it, pools it for proposers and gossips it.
 */
import { createInterface } from "node:readline/promises";
import {
  computeDomain,
  computeSigningRoot,
  DOMAIN_VOLUNTARY_EXIT,
  SignedVoluntaryExit,
  VoluntaryExit,
} from "@shardnet/consensus";
import { genesisRootFromNode, request } from "./nodeApi.js";
import { validatorStatusFromNode } from "./status.js";
import { UserError } from "./userError.js";
import { readValidatorKey } from "./validatorKey.js";

export interface ExitOptions {
  node: string;
  keystoreFile: string;
  passwordFile: string;
  /** Skip the confirmation prompt. */
  yes: boolean;
}

export interface ExitResult {
  index: number;
  pubkey: string;
  epoch: number;
  /** `pooled`, or `known` when the node already held an exit of this validator. */
  status: string;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY)
    throw new UserError(
      "NEEDS_CONFIRMATION",
      "an exit cannot be undone: pass --yes to confirm it without a prompt",
    );
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase() === "yes";
  } finally {
    rl.close();
  }
}

export async function voluntaryExit(opts: ExitOptions): Promise<ExitResult> {
  const { secretKey: sk, pubkey } = await readValidatorKey(opts.keystoreFile, opts.passwordFile);
  const status = await validatorStatusFromNode(opts.node, pubkey);
  if (status.status !== "active")
    throw new UserError(
      "NOT_ACTIVE",
      `validator ${status.index} is ${status.status}, not active: only an active validator can exit (${status.description})`,
    );
  const root = await genesisRootFromNode(opts.node);
  if (
    !opts.yes &&
    !(await confirm(
      `Exit validator ${status.index} (${pubkey}) at epoch ${status.headEpoch}? It stops validating for good. Type yes: `,
    ))
  )
    throw new UserError("NOT_CONFIRMED", "exit not sent");
  const message = { epoch: status.headEpoch, validatorIndex: status.index };
  const signature = sk
    .sign(computeSigningRoot(VoluntaryExit.hashTreeRoot(message), computeDomain(DOMAIN_VOLUNTARY_EXIT, root)))
    .toBytes();
  const reply = await request(
    opts.node,
    "/v1/beacon/pool/voluntary_exits",
    SignedVoluntaryExit.toJson({ message, signature }),
  );
  const body = reply.body as { status?: string; code?: string; message?: string };
  if (reply.status !== 202)
    throw new UserError(
      body.code ?? "NODE_REFUSED",
      `node ${opts.node} refused the exit: ${body.message ?? reply.status}`,
    );
  return { index: status.index, pubkey, epoch: message.epoch, status: body.status ?? "pooled" };
}
