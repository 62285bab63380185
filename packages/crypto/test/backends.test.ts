import { afterEach, describe, expect, it } from "vitest";
import { blsBackendNames, getBls, isBlsBackendName } from "../src/index.js";

const savedEnv = process.env.SHARDNET_BLS;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.SHARDNET_BLS;
  else process.env.SHARDNET_BLS = savedEnv;
});

describe("getBls", () => {
  it("defaults to blst and returns singletons", () => {
    delete process.env.SHARDNET_BLS;
    expect(getBls().name).toBe("blst");
    expect(getBls()).toBe(getBls("blst"));
    expect(getBls("noble")).toBe(getBls("noble"));
    expect(blsBackendNames()).toEqual(["blst", "noble"]);
  });

  it("follows SHARDNET_BLS unless a name is given, and refuses unknown names", () => {
    process.env.SHARDNET_BLS = "noble";
    expect(getBls().name).toBe("noble");
    expect(getBls("blst").name).toBe("blst");
    process.env.SHARDNET_BLS = "bslt";
    expect(() => getBls()).toThrow(/unknown BLS backend "bslt"/);
    expect(isBlsBackendName("noble")).toBe(true);
    expect(isBlsBackendName("mcl")).toBe(false);
  });
});
