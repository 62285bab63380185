/**
 * Partitions between groups of nodes, with nft rules in the harness's own network namespace. Every node runs
 * with a group id of its own (spawnNode's `gid`); the first packet of each TCP connection marks the
 * connection (conntrack mark) with the node that opened it, by that group id. A partition then drops every
 * packet of a connection between a node of one group and a node of the other, in both directions:
 * connections one opened to the other's p2p port, whichever side sends. The API ports are never touched (the
 * harness keeps reading every node).
 */
import { spawnSync } from "node:child_process";

const TABLE = "shardnet_chaos";

export interface FirewallNode {
  name: string;
  /** Group id the node's process runs with. */
  gid: number;
  p2pPort: number;
}

export class Firewall {
  private readonly byName: Map<string, { mark: number; node: FirewallNode }>;
  private partitioned: string[][] = [];

  constructor(nodes: readonly FirewallNode[]) {
    this.byName = new Map(nodes.map((node, i) => [node.name, { mark: i + 1, node }]));
  }

  /** Creates the table and the connection-marking rule; call before the nodes start. */
  install(): void {
    const marks = [...this.byName.values()].map(({ mark, node }) => `${node.gid} : ${mark}`).join(", ");
    nft(`table inet ${TABLE} {
  chain output {
    type filter hook output priority 0; policy accept;
    ct state new ct mark set meta skgid map { ${marks} }
  }
  chain partition {
  }
}
add rule inet ${TABLE} output jump partition
`);
  }

  /** Drops all p2p traffic between nodes of different groups (nodes left out keep talking to everyone). */
  partition(groups: string[][]): void {
    const rules: string[] = [];
    for (const [i, a] of groups.entries()) {
      for (const b of groups.slice(i + 1)) {
        for (const x of a)
          for (const y of b) {
            const nx = this.node(x);
            const ny = this.node(y);
            // x opened the connection to y's port, or y opened it to x's port: every packet, both ways.
            for (const [opener, other] of [
              [nx, ny],
              [ny, nx],
            ] as const) {
              rules.push(
                `add rule inet ${TABLE} partition ct mark ${opener.mark} tcp dport ${other.node.p2pPort} drop`,
              );
              rules.push(
                `add rule inet ${TABLE} partition ct mark ${opener.mark} tcp sport ${other.node.p2pPort} drop`,
              );
            }
          }
      }
    }
    nft(`flush chain inet ${TABLE} partition\n${rules.join("\n")}\n`);
    this.partitioned = groups;
  }

  /** Removes every partition rule. */
  heal(): void {
    nft(`flush chain inet ${TABLE} partition\n`);
    this.partitioned = [];
  }

  /** The groups of the partition in force ([] when healed). */
  current(): string[][] {
    return this.partitioned;
  }

  /** Deletes the table (the namespace's end deletes it too). */
  uninstall(): void {
    spawnSync("nft", ["delete", "table", "inet", TABLE]);
  }

  private node(name: string): { mark: number; node: FirewallNode } {
    const n = this.byName.get(name);
    if (!n) throw new Error(`firewall: no node ${name}`);
    return n;
  }
}

function nft(script: string): void {
  const run = spawnSync("nft", ["-f", "-"], { input: script, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`nft failed (${run.stderr.trim()}) on:\n${script}`);
}
