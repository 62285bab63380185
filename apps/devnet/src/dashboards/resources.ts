import { type DashboardSpec, N, W } from "./grafana.js";

export const resources: DashboardSpec = {
  uid: "shardnet-resources",
  title: "shardnet node resources",
  description: "CPU, memory, heap, event-loop lag, garbage collection, handles and database size, per node",
  panels: [
    {
      title: "CPU per node",
      description: "CPU seconds per second used by each node process (1 = one core busy)",
      queries: [{ expr: `rate(shardnet_process_cpu_seconds_total{${N}}[${W}])`, legend: "{{node}}" }],
    },
    {
      title: "CPU user / system per node",
      description: "CPU seconds per second in user and in kernel mode",
      queries: [
        { expr: `rate(shardnet_process_cpu_user_seconds_total{${N}}[${W}])`, legend: "{{node}} user" },
        { expr: `rate(shardnet_process_cpu_system_seconds_total{${N}}[${W}])`, legend: "{{node}} system" },
      ],
    },
    {
      title: "Resident memory per node",
      description: "Resident set size (RSS) of each node process",
      unit: "bytes",
      queries: [{ expr: `shardnet_process_resident_memory_bytes{${N}}`, legend: "{{node}}" }],
    },
    {
      title: "Virtual memory and process heap per node",
      description: "Virtual memory size and the process heap as the OS reports them",
      unit: "bytes",
      queries: [
        { expr: `shardnet_process_virtual_memory_bytes{${N}}`, legend: "{{node}} virtual" },
        { expr: `shardnet_process_heap_bytes{${N}}`, legend: "{{node}} heap" },
      ],
    },
    {
      title: "V8 heap per node",
      description: "JavaScript heap used and total, and memory held outside the heap (external: buffers)",
      unit: "bytes",
      queries: [
        { expr: `nodejs_heap_size_used_bytes{${N}}`, legend: "{{node}} used" },
        { expr: `nodejs_heap_size_total_bytes{${N}}`, legend: "{{node}} total" },
        { expr: `nodejs_external_memory_bytes{${N}}`, legend: "{{node}} external" },
      ],
    },
    {
      title: "Event-loop lag p99 per node",
      description:
        "99th percentile of the event loop's delay: how late timers and I/O callbacks run (slot duties run on it)",
      unit: "s",
      queries: [{ expr: `nodejs_eventloop_lag_p99_seconds{${N}}`, legend: "{{node}}" }],
    },
    {
      title: "GC time per node and kind",
      description: "Seconds per second spent in garbage collection, by kind (minor, major, incremental)",
      unit: "s",
      queries: [
        {
          expr: `sum by (node, kind) (rate(nodejs_gc_duration_seconds_sum{${N}}[${W}]))`,
          legend: "{{node}} {{kind}}",
        },
      ],
    },
    {
      title: "Database size per node",
      description: "Bytes on disk of each node's database (blocks, states, indexes)",
      unit: "bytes",
      queries: [{ expr: `shardnet_db_size_bytes{${N}}`, legend: "{{node}}" }],
    },
    {
      title: "Open file descriptors per node",
      description: "File descriptors open (sockets, database files) against the process limit",
      queries: [
        { expr: `shardnet_process_open_fds{${N}}`, legend: "{{node}} open" },
        { expr: `shardnet_process_max_fds{${N}}`, legend: "{{node}} limit" },
      ],
    },
    {
      title: "Active handles per node",
      description: "libuv handles (sockets, timers, files) the event loop keeps alive",
      queries: [{ expr: `nodejs_active_handles_total{${N}}`, legend: "{{node}}" }],
    },
    {
      title: "Uptime per node",
      description: "Seconds since each node process started (drops to 0 on a restart)",
      unit: "s",
      queries: [{ expr: `time() - shardnet_process_start_time_seconds{${N}}`, legend: "{{node}}" }],
    },
  ],
};
