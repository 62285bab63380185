export { sha256 } from "@shardnet/crypto";
