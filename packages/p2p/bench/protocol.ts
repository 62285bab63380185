/** IPC messages between the benchmark runner and its worker processes. */
export type ParentMessage =
  | { type: "connect"; addrs: string[]; expectPeers: number }
  | { type: "publish"; size: number; rate: number; durationMs: number }
  | { type: "mark" }
  | { type: "count" }
  | { type: "report" }
  | { type: "stop" };

export type WorkerMessage =
  | { type: "ready"; addrs: string[] }
  | { type: "meshed" }
  | { type: "marked" }
  | { type: "count"; received: number }
  | { type: "published"; count: number; cpuMicros: number }
  | {
      type: "report";
      received: number;
      firstAt: number;
      lastAt: number;
      latencies: number[];
      cpuMicros: number;
    };
