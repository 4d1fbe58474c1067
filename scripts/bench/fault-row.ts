/**
 * One row of `npm run bench faults` (scripts/bench/faults.ts), the same columns for every fault;
 * "—" where a column does not apply to it.
 */

/** A column that does not apply to a fault. */
export const NA = '—';

export type Cell = number | string;

export interface FaultRow {
  /** The fault's name (what BENCH_FAULTS selects) and what it does. */
  fault: string;
  /** Interactions sent (check-ins by members, each a member of their own). */
  sent: Cell;
  /** Of those, first answered (reply or deferral) within Discord's 3 s. */
  'in time': Cell;
  /** First answered after 3 s (real Discord refuses those: "The application did not respond"). */
  late: Cell;
  /** Told "✅ Checked in". */
  confirmed: Cell;
  /** Stored in the database; for a fan-out, the prompt posts made. */
  stored: Cell;
  /** Confirmed but not stored; for a fan-out, servers left without their post. */
  lost: Cell;
  /** Stored (or posted) more than once, or an interaction handled twice: the extra ones. */
  duplicated: Cell;
  /** Prompt posts without their discussion thread. */
  'no thread': Cell;
  /** Seconds from the end of the fault (or the restart) to normal service; see each fault. */
  'recovery s': Cell;
  /** What else was seen: messages, exit codes, error logs, /healthz. */
  notes: string;
}

export interface FaultOptions {
  /** Check-ins a second during the check-in faults (BENCH_FAULT_RATE, 25). */
  rate: number;
  /** How long a check-in fault lasts (BENCH_FAULT_SECONDS, 60). */
  faultSeconds: number;
  /** Seconds of normal service before and after it (BENCH_FAULT_CALM, 10). */
  calmSeconds: number;
  /** Servers of the prompt fan-out (BENCH_FAULT_SERVERS, 300). */
  servers: number;
  /** The bot processes' LEASE_TTL in the fan-out faults (BENCH_LEASE_TTL, 20). */
  leaseSeconds: number;
  /** DISCORD_CONNECT_TIMEOUT of the "Discord unreachable at start" fault (BENCH_FAULT_CONNECT_TIMEOUT, 15). */
  connectTimeout: number;
}

export interface Fault {
  /** Short, for BENCH_FAULTS (e.g. pg-stopped). */
  name: string;
  /** What the fault is, as the table says it. */
  title: string;
  run(options: FaultOptions): Promise<FaultRow>;
}

/** A row with every column "—" but those given. */
export function row(fault: Fault, cells: Partial<FaultRow>): FaultRow {
  return {
    fault: `${fault.name}: ${fault.title}`,
    sent: NA,
    'in time': NA,
    late: NA,
    confirmed: NA,
    stored: NA,
    lost: NA,
    duplicated: NA,
    'no thread': NA,
    'recovery s': NA,
    notes: '',
    ...cells,
  };
}
