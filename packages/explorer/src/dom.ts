/** Small DOM helpers: elements from tag + attributes + children, SVG elements, links, short hex. */

type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false) continue;
    node.setAttribute(k, v === true ? "" : String(v));
  }
  append(node, children);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  append(node, children);
  return node;
}

function append(node: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** `0x1234…abcd` */
export function short(hex: string, keep = 6): string {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex;
  return h.length <= 2 * keep ? `0x${h}` : `0x${h.slice(0, keep)}…${h.slice(-4)}`;
}

export function link(href: string, text: string, attrs: Record<string, string> = {}): HTMLAnchorElement {
  return el("a", { href, ...attrs }, text);
}

export const txHref = (hash: string) => `#/tx/${hash}`;
export const beaconHref = (id: string | number) => `#/beacon/${id}`;
export const shardHref = (shard: number | string, id: string | number) => `#/shard/${shard}/${id}`;
export const accountHref = (address: string) => `#/account/${address}`;
export const validatorHref = (index: number | string) => `#/validator/${index}`;

/** A definition list of label → value rows. */
export function fields(rows: Array<[string, Child]>): HTMLDListElement {
  const dl = el("dl", { class: "fields" });
  for (const [k, v] of rows) dl.append(el("dt", {}, k), el("dd", {}, v));
  return dl;
}

/** A table with a header row; `rows` of cells. */
export function table(head: string[], rows: Child[][], attrs: Record<string, string> = {}): HTMLElement {
  if (rows.length === 0) return el("p", { class: "muted", ...attrs }, "none");
  return el(
    "table",
    attrs,
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c))))),
  );
}

export function errorBox(err: unknown): HTMLElement {
  return el("p", { class: "error", "data-error": "true" }, err instanceof Error ? err.message : String(err));
}
