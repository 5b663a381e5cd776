// What a container uses, read from /proc: memory and CPU of a whole process group (the server's uvicorn or
// gunicorn workers and MLflow's job runner are child processes in its group), sampled every SAMPLE_MS; and the
// size of the pod's /tmp emptyDir (what ephemeral-storage counts) and of the job queue's folder in /dev/shm
// (a tmpfs: memory), sampled less often since walking them costs more.
import { readFileSync, readdirSync, lstatSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';

export const SAMPLE_MS = 150;
const FOLDER_SAMPLE_MS = 1_000;

const pageBytes = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface GroupSample {
  /** RSS summed over the group's processes (shared pages counted in each process). */
  rssBytes: number;
  /** Proportional set size summed over the group: shared pages split between their processes, as close to
   * what the container's memory cgroup charges as /proc can tell. */
  pssBytes: number;
  /** CPU seconds of the live processes, with those of their reaped children (cutime/cstime). */
  cpuSeconds: number;
  processes: number;
}

function pssOf(pid: string): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

interface Member {
  pid: string;
  /** The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses): state is [0]. */
  fields: string[];
}

/** The live processes of a process group, with their /proc/PID/stat fields. */
function groupMembers(pgid: number): Member[] {
  const members: Member[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) members.push({ pid, fields });
    } catch {
      // exited between the listing and the read
    }
  }
  return members;
}

export function sampleGroup(pgid: number): GroupSample {
  const sample: GroupSample = { rssBytes: 0, pssBytes: 0, cpuSeconds: 0, processes: 0 };
  for (const { pid, fields } of groupMembers(pgid)) {
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    sample.cpuSeconds += ticks / ticksPerSecond;
    sample.rssBytes += Number(fields[21]) * pageBytes;
    sample.pssBytes += pssOf(pid);
    sample.processes += 1;
  }
  return sample;
}

export function folderBytes(dir: string): number {
  let bytes = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    try {
      const stat = lstatSync(path);
      bytes += stat.isDirectory() ? folderBytes(path) : stat.size;
    } catch {
      // removed while walking
    }
  }
  return bytes;
}

/** Where MLflow's job runner keeps its queue (huey's SQLite files): a folder in /dev/shm, named in its environment. */
function shmDirOf(pgid: number): string | undefined {
  for (const { pid } of groupMembers(pgid)) {
    try {
      const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((line) => line.startsWith('_MLFLOW_HUEY_STORAGE_PATH='));
      if (entry) return entry.slice(entry.indexOf('=') + 1);
    } catch {
      // exited, or not ours to read
    }
  }
  return undefined;
}

export interface Usage {
  seconds: number;
  peakRssMiB: number;
  peakPssMiB: number;
  /** RSS at the end of the window. */
  lastRssMiB: number;
  /** The highest CPU use over one sampling interval, in cores. */
  peakCores: number;
  /** The highest CPU use over one second, in cores. */
  peakSecondCores: number;
  /** CPU seconds over the window divided by its wall time, in cores. */
  meanCores: number;
  cpuSeconds: number;
  maxProcesses: number;
  /** The peak size of the pod's /tmp (an emptyDir: ephemeral storage), when given. */
  peakTmpMiB?: number;
  /** The peak size of what the group keeps in /dev/shm (a tmpfs: charged to the container's memory). */
  peakShmMiB: number;
  /** The machine's 1-minute load average at the start and at the end of the window. */
  loadAverage: [number, number];
}

const round = (value: number, digits = 0): number => Number(value.toFixed(digits));
const mib = (bytes: number): number => round(bytes / 1024 / 1024, 1);

/** Samples a process group (and its /tmp and /dev/shm folders) from construction until stop(). */
export class Sampler {
  private peakRss = 0;
  private peakPss = 0;
  private lastRss = 0;
  private peakCores = 0;
  private peakTmp = 0;
  private peakShm = 0;
  private shmDir: string | undefined;
  private maxProcesses = 0;
  /** CPU seconds used since the start: the sum of the positive steps between samples. */
  private usedCpu = 0;
  private previousCpu: number;
  private usedAtLastInterval = 0;
  private peakSecondCores = 0;
  private readonly history: { at: number; used: number }[] = [];
  private lastAt: number;
  private readonly startedAt: number;
  private readonly startLoad: number;
  private readonly timer: NodeJS.Timeout;
  private readonly folderTimer: NodeJS.Timeout;
  private static readonly running = new Set<Sampler>();

  /** Stops every sampler still running (after a failure left some behind, so they stop taking CPU). */
  static stopAll(): void {
    for (const sampler of Sampler.running) sampler.stop();
  }

  constructor(
    private readonly pgid: number,
    private readonly tmp?: string,
  ) {
    this.startLoad = loadavg()[0] ?? 0;
    this.startedAt = performance.now();
    this.lastAt = this.startedAt;
    const first = sampleGroup(pgid);
    this.previousCpu = first.cpuSeconds;
    this.observe(first);
    this.timer = setInterval(() => this.observe(sampleGroup(pgid)), SAMPLE_MS).unref();
    this.observeFolders();
    this.folderTimer = setInterval(() => this.observeFolders(), FOLDER_SAMPLE_MS).unref();
    Sampler.running.add(this);
  }

  private observeFolders(): void {
    if (this.tmp !== undefined) this.peakTmp = Math.max(this.peakTmp, folderBytes(this.tmp));
    this.shmDir ??= shmDirOf(this.pgid);
    if (this.shmDir !== undefined) this.peakShm = Math.max(this.peakShm, folderBytes(this.shmDir));
  }

  private observe(sample: GroupSample): void {
    const now = performance.now();
    if (sample.processes === 0) return; // the group is gone: its last sample stands
    this.peakRss = Math.max(this.peakRss, sample.rssBytes);
    this.peakPss = Math.max(this.peakPss, sample.pssBytes);
    this.lastRss = sample.rssBytes;
    this.maxProcesses = Math.max(this.maxProcesses, sample.processes);
    // A process that exits unreaped by the group takes its CPU seconds with it: never a negative step.
    this.usedCpu += Math.max(0, sample.cpuSeconds - this.previousCpu);
    this.previousCpu = sample.cpuSeconds;
    const interval = (now - this.lastAt) / 1000;
    if (interval >= (SAMPLE_MS / 1000) * 0.8) {
      this.peakCores = Math.max(this.peakCores, (this.usedCpu - this.usedAtLastInterval) / interval);
      this.usedAtLastInterval = this.usedCpu;
      this.lastAt = now;
    }
    // The peak over a whole second too: a 150 ms peak is one scheduler burst, a second is what a CPU limit throttles.
    this.history.push({ at: now, used: this.usedCpu });
    while (this.history.length > 1 && now - (this.history[1]?.at ?? now) >= 1000) this.history.shift();
    const oldest = this.history[0];
    if (oldest && now - oldest.at >= 1000) this.peakSecondCores = Math.max(this.peakSecondCores, (this.usedCpu - oldest.used) / ((now - oldest.at) / 1000));
  }

  stop(): Usage {
    this.observe(sampleGroup(this.pgid));
    clearInterval(this.timer);
    clearInterval(this.folderTimer);
    Sampler.running.delete(this);
    this.observeFolders();
    const seconds = Math.max((performance.now() - this.startedAt) / 1000, 0.001);
    const cpuSeconds = this.usedCpu;
    return {
      seconds: round(seconds, 1),
      peakRssMiB: mib(this.peakRss),
      peakPssMiB: mib(this.peakPss),
      lastRssMiB: mib(this.lastRss),
      peakCores: round(this.peakCores, 2),
      peakSecondCores: round(this.peakSecondCores, 2),
      meanCores: round(cpuSeconds / seconds, 2),
      cpuSeconds: round(cpuSeconds, 1),
      maxProcesses: this.maxProcesses,
      ...(this.tmp !== undefined ? { peakTmpMiB: mib(this.peakTmp) } : {}),
      peakShmMiB: mib(this.peakShm),
      loadAverage: [round(this.startLoad, 2), round(loadavg()[0] ?? 0, 2)],
    };
  }
}

/** The group's processes, each with its RSS and the start of its command line: what makes up the figures. */
export function describeGroup(pgid: number): { pid: number; rssMiB: number; command: string }[] {
  return groupMembers(pgid).map(({ pid, fields }) => {
    let argv: string[] = [];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((part) => part.length > 0);
    } catch {
      // exited meanwhile
    }
    const command = argv.map((arg) => (arg.includes('/') && !arg.startsWith('-') ? (arg.split('/').pop() ?? arg) : arg)).join(' ').slice(0, 120);
    return { pid: Number(pid), rssMiB: mib(Number(fields[21]) * pageBytes), command };
  });
}
