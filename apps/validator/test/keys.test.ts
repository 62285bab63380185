/**
 * Key derivation against the official EIP-2333 test vector, and `keys new` writing real EIP-2335 keystores
 * (a cheap KDF keeps it fast; the command itself uses the EIP-2335 default scrypt) that decrypt with the
 * password and refuse a wrong one.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deriveChildSK, deriveMasterSK } from "@chainsafe/bls-hd-key";
import { mnemonicToSeedSync, validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english";
import { bytesToBigIntBE, bytesToHex, decryptKeystore, getBls, KeystoreError } from "@shardnet/crypto";
import { afterEach, describe, expect, it } from "vitest";
import { deriveSigningKeys, keystoreFileName, normalizeMnemonic } from "../src/keyDerivation.js";
import { keysNew } from "../src/keysNew.js";
import { UserError } from "../src/userError.js";

/** EIP-2333 "Test Case 0" (the EIP's text: ethereum/ERCs ERCS/erc-2333.md). */
const EIP2333_CASE_0 = {
  mnemonic: "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
  passphrase: "TREZOR",
  seed: "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
  masterSk: 6083874454709270928345386274498605044986640685124978867557563392430687146096n,
  childIndex: 0,
  childSk: 20397789859736650942317412262472558107875392172444076792671091975210932703118n,
};

const cheapKdf = { function: "pbkdf2", c: 16 } as const;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "shardnet-keys-"));
  dirs.push(dir);
  return dir;
}

describe("EIP-2333/2334 derivation", () => {
  it("matches EIP-2333 test case 0: mnemonic → seed → master SK → child SK", () => {
    const c = EIP2333_CASE_0;
    const seed = mnemonicToSeedSync(c.mnemonic, c.passphrase);
    expect(bytesToHex(seed)).toBe(c.seed);
    const master = deriveMasterSK(seed);
    expect(bytesToBigIntBE(master)).toBe(c.masterSk);
    expect(bytesToBigIntBE(deriveChildSK(master, c.childIndex))).toBe(c.childSk);
  });

  it("derives signing key i at m/12381/3600/i/0/0: the EIP-2333 child chain 12381, 3600, i, 0, 0 from the mnemonic's master SK", () => {
    const { mnemonic } = EIP2333_CASE_0;
    const master = deriveMasterSK(mnemonicToSeedSync(mnemonic)); // no BIP-39 passphrase
    const keys = deriveSigningKeys(mnemonic, 5, 2);
    expect(keys.map((k) => k.path)).toEqual(["m/12381/3600/5/0/0", "m/12381/3600/6/0/0"]);
    for (const key of keys) {
      const stepwise = [12381, 3600, key.index, 0, 0].reduce((sk, i) => deriveChildSK(sk, i), master);
      expect(bytesToHex(key.secretKey)).toBe(bytesToHex(stepwise));
      expect(bytesToHex(key.publicKey)).toBe(
        bytesToHex(getBls().secretKeyFromBytes(stepwise).toPublicKey().toBytes()),
      );
    }
    expect(bytesToHex(keys[0]!.secretKey)).not.toBe(bytesToHex(keys[1]!.secretKey));
  });

  it("accepts a mnemonic with extra spaces and capitals, refuses a wrong word or checksum", () => {
    const { mnemonic } = EIP2333_CASE_0;
    expect(normalizeMnemonic(`  ${mnemonic.toUpperCase().replaceAll(" ", "  \n")}\n`, "f")).toBe(mnemonic);
    expect(() => normalizeMnemonic(mnemonic.replace("about", "abandon"), "f")).toThrow(/checksum/);
    expect(() => normalizeMnemonic(mnemonic.replace("about", "aboot"), "f")).toThrow(
      /not in the BIP-39 English list/,
    );
  });
});

describe("keys new", () => {
  it("writes keystores for the mnemonic's keys that decrypt with the password, and refuses a wrong password", async () => {
    const dir = tempDir();
    const out = join(dir, "keys");
    writeFileSync(join(dir, "password"), "correct horse battery\n");
    writeFileSync(join(dir, "mnemonic"), `${EIP2333_CASE_0.mnemonic}\n`);
    const result = await keysNew({
      count: 2,
      start: 3,
      outDir: out,
      passwordFile: join(dir, "password"),
      mnemonicFile: join(dir, "mnemonic"),
      kdf: cheapKdf,
    });
    expect(result.mnemonicGenerated).toBe(false);
    const expected = deriveSigningKeys(EIP2333_CASE_0.mnemonic, 3, 2);
    expect(result.keystores.map((k) => [k.index, k.path, k.pubkey, k.file])).toEqual(
      expected.map((k) => [
        k.index,
        k.path,
        `0x${bytesToHex(k.publicKey)}`,
        join(out, keystoreFileName(k.index)),
      ]),
    );
    for (const [i, written] of result.keystores.entries()) {
      expect(written.file).toMatch(/keystore-m_12381_3600_[34]_0_0\.json$/);
      expect(statSync(written.file).mode & 0o777).toBe(0o600);
      const keystore = JSON.parse(readFileSync(written.file, "utf8")) as { path: string; pubkey: string };
      expect(keystore.path).toBe(written.path);
      expect(keystore.pubkey).toBe(bytesToHex(expected[i]!.publicKey));
      // The password file's final line break is not part of the password.
      const secret = await decryptKeystore(keystore, "correct horse battery");
      expect(bytesToHex(secret)).toBe(bytesToHex(expected[i]!.secretKey));
      const wrong = await decryptKeystore(keystore, "correct horse battery staple").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(wrong).toBeInstanceOf(KeystoreError);
      expect((wrong as KeystoreError).code).toBe("WRONG_PASSWORD");
      expect((wrong as KeystoreError).message).toMatch(/wrong password for keystore/);
    }
  });

  it("generates a 24-word mnemonic into <out>/mnemonic.txt (mode 0600) and never overwrites files", async () => {
    const dir = tempDir();
    const out = join(dir, "keys");
    writeFileSync(join(dir, "password"), "pw");
    const options = { count: 1, start: 0, outDir: out, passwordFile: join(dir, "password"), kdf: cheapKdf };
    const result = await keysNew(options);
    expect(result.mnemonicGenerated).toBe(true);
    expect(result.mnemonicFile).toBe(join(out, "mnemonic.txt"));
    expect(statSync(result.mnemonicFile).mode & 0o777).toBe(0o600);
    const mnemonic = readFileSync(result.mnemonicFile, "utf8").trim();
    expect(mnemonic.split(" ")).toHaveLength(24);
    expect(validateMnemonic(mnemonic, wordlist)).toBe(true);
    expect(result.keystores[0]!.pubkey).toBe(
      `0x${bytesToHex(deriveSigningKeys(mnemonic, 0, 1)[0]!.publicKey)}`,
    );

    const again = await keysNew(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(again).toBeInstanceOf(UserError);
    expect((again as UserError).message).toMatch(/already exist.*nothing was written/);
    expect(readFileSync(result.mnemonicFile, "utf8").trim()).toBe(mnemonic);
  });

  it("refuses an empty password file and a missing mnemonic file, writing nothing", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "empty"), "\n");
    const out = join(dir, "keys");
    await expect(
      keysNew({ count: 1, start: 0, outDir: out, passwordFile: join(dir, "empty") }),
    ).rejects.toThrow(/is empty/);
    writeFileSync(join(dir, "password"), "pw");
    await expect(
      keysNew({
        count: 1,
        start: 0,
        outDir: out,
        passwordFile: join(dir, "password"),
        mnemonicFile: join(dir, "nope"),
      }),
    ).rejects.toThrow(/cannot read --mnemonic-file/);
    expect(() => statSync(out)).toThrow();
  });
});
