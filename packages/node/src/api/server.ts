import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { ApiError } from "./errors.js";

export interface ApiServerOptions {
  host: string;
  port: number;
  log: Logger;
  registry: Registry;
  /** Largest accepted request body in bytes. */
  bodyLimitBytes?: number;
}

/**
 * Fastify server with JSON-schema validation, uniform `{code, message}` errors and `/metrics`.
 * Route modules add themselves through `register(app)` before `listen`.
 */
export function createApiServer(opts: ApiServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, allErrors: false, coerceTypes: "array" } },
  });

  app.setErrorHandler((err: FastifyError | ApiError, _req, reply) => {
    if (err instanceof ApiError) {
      return reply.status(err.statusCode).send({ code: err.code, message: err.message });
    }
    if (err.validation) {
      return reply.status(400).send({ code: "INVALID_REQUEST", message: err.message });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) opts.log.error({ err }, "api handler failed");
    return reply.status(status).send({ code: err.code ?? "INTERNAL", message: err.message });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ code: "NOT_FOUND", message: `no route ${req.method} ${req.url}` }),
  );

  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", opts.registry.contentType);
    return opts.registry.metrics();
  });
  return app;
}

export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  return app.listen({ host, port });
}
