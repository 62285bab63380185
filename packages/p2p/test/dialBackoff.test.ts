import { describe, expect, it } from "vitest";
import { DialBackoff } from "../src/dialBackoff.js";

describe("dial backoff", () => {
  it("doubles the wait after each failure up to the cap, and a connection resets it", () => {
    const b = new DialBackoff(1000, 8000);
    expect(b.due("p", 0)).toBe(true);
    expect(b.failed("p", 0)).toBe(1);
    expect(b.due("p", 999)).toBe(false);
    expect(b.due("p", 1000)).toBe(true);
    b.failed("p", 1000); // next at 1000 + 2000
    expect(b.due("p", 2999)).toBe(false);
    b.failed("p", 3000); // + 4000
    b.failed("p", 7000); // + 8000 (cap)
    expect(b.failed("p", 15_000)).toBe(5); // still + 8000
    expect(b.due("p", 22_999)).toBe(false);
    expect(b.due("p", 23_000)).toBe(true);
    b.connected("p");
    expect(b.due("p", 0)).toBe(true);
  });

  it("tracks at most `capacity` peers", () => {
    const b = new DialBackoff(1000, 8000, 3);
    for (let i = 0; i < 10; i++) b.failed(`p${i}`, 0);
    expect(b.size).toBe(3);
    expect(b.due("p0", 1)).toBe(true); // forgotten: dialled again
    expect(b.due("p9", 1)).toBe(false);
  });
});
