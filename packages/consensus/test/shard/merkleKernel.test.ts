import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assembleMerkleKernel, merkleKernelModuleSource } from "../../scripts/kernel.js";

describe("merkle kernel", () => {
  it("is the committed WebAssembly of merkleKernel.wat (run npm run kernel -w packages/consensus after editing it)", async () => {
    const committed = readFileSync(new URL("../../src/shard/merkleKernelWasm.ts", import.meta.url), "utf8");
    expect(committed).toBe(merkleKernelModuleSource(await assembleMerkleKernel()));
  });
});
