import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { ApiError } from "./errors.js";

/** One file of the explorer, held in memory (the whole explorer is a few tens of kilobytes). */
export interface ExplorerAsset {
  body: Buffer;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The page reads only this node's API: no other origin, no inline script. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'";

/** The @shardnet/explorer package directory, or undefined when it is not installed. */
export function explorerPackageDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve("@shardnet/explorer/package.json"));
  } catch {
    return undefined;
  }
}

/**
 * The explorer's files by name: `static/` (index.html, style.css) and the compiled modules in `dist/`.
 * Empty when the package is not built.
 */
export function loadExplorerAssets(packageDir = explorerPackageDir()): Map<string, ExplorerAsset> {
  const assets = new Map<string, ExplorerAsset>();
  if (!packageDir) return assets;
  for (const sub of ["static", "dist"]) {
    const dir = join(packageDir, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const contentType = CONTENT_TYPES[extname(name)];
      if (!contentType || name.endsWith(".d.ts")) continue;
      assets.set(name, { body: readFileSync(join(dir, name)), contentType });
    }
  }
  if (!assets.has("index.html") || !assets.has("main.js")) assets.clear();
  return assets;
}

/** Serves the explorer: `/` is its page, `/explorer/{file}` its modules and stylesheet. */
export function registerExplorerAssets(app: FastifyInstance, assets: Map<string, ExplorerAsset>): void {
  const send = (name: string) => {
    const asset = assets.get(name);
    if (!asset) {
      if (assets.size === 0)
        throw new ApiError(
          503,
          "EXPLORER_NOT_BUILT",
          "the explorer is not built: run `npm run build` (packages/explorer) and restart the node",
        );
      throw new ApiError(404, "NOT_FOUND", `the explorer has no file ${name}`);
    }
    return asset;
  };
  app.get("/", async (_req, reply) => {
    const asset = send("index.html");
    return reply
      .type(asset.contentType)
      .header("cache-control", "no-cache")
      .header("content-security-policy", CSP)
      .send(asset.body);
  });
  app.get<{ Params: { file: string } }>(
    "/explorer/:file",
    {
      schema: {
        params: {
          type: "object",
          required: ["file"],
          properties: { file: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}\\.(js|css|html|svg)$" } },
        },
      },
    },
    async (req, reply) => {
      const asset = send(req.params.file);
      return reply.type(asset.contentType).header("cache-control", "no-cache").send(asset.body);
    },
  );
}
