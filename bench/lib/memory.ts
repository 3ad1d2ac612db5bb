/**
 * Resident memory of a target from /proc: the process and its descendants (nginx runs a master
 * and a worker), so a target's figure is what it costs the machine. Also how often a process's
 * main thread wakes, for an idle one.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** A number from /proc/<pid>/status, or 0 once the process has gone. */
function statusField(pid: number, field: 'VmRSS' | 'VmHWM' | 'voluntary_ctxt_switches'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // the process has gone
  }
}

/** A memory field of /proc/<pid>/status (which gives kB), in bytes. */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return statusField(pid, field) * 1024;
}

/**
 * How many times the main thread has gone to sleep and been woken (its voluntary context
 * switches; /proc/<pid>/status counts the thread-group leader's alone): over a quiet spell, the
 * wake-ups its timers cost.
 */
export function wakeupsOf(pid: number): number {
  return statusField(pid, 'voluntary_ctxt_switches');
}

function parentOf(pid: number): number {
  try {
    // The command name may hold spaces and parentheses: the fields after its last ')' are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const parent = parentOf(pid);
    const list = children.get(parent);
    if (list) list.push(pid);
    else children.set(parent, [pid]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** Bytes resident now, over the whole tree. */
export function rssOf(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + statusBytes(pid, 'VmRSS'), 0);
}

/**
 * The peak resident memory of one cell of the table. Linux resets a process's high-water mark
 * when "5" is written to its clear_refs, so each cell reports its own peak rather than the
 * largest since start-up; where that is not allowed the peak since start-up is what is left.
 */
export class PeakRss {
  readonly #root: number;
  readonly perCell: boolean;

  constructor(root: number) {
    this.#root = root;
    let reset = true;
    for (const pid of processTree(root)) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        reset = false;
      }
    }
    this.perCell = reset;
  }

  /** Bytes: the sum of each process's peak since the meter started. */
  read(): number {
    return processTree(this.#root).reduce((sum, pid) => sum + statusBytes(pid, 'VmHWM'), 0);
  }
}
