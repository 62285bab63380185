/** GETs against the node that serves this page (same origin): JSON in, typed out, errors as ApiFailure. */

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: "application/json" } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiFailure(res.status, "NOT_JSON", `${path}: ${res.status} ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const err = body as { code?: string; message?: string };
    throw new ApiFailure(res.status, err.code ?? "HTTP", err.message ?? `${path}: HTTP ${res.status}`);
  }
  return body as T;
}
