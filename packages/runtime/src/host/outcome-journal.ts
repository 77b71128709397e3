import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { OutcomeJournal, PendingRecord } from '@claudine/core';

// Room for one record: its length (4 bytes) and its JSON. A longer record loses the end of the
// agent's result text first (the task's log has all of it).
const SLOT_BYTES = 16 * 1024;
const HEADER_BYTES = 4;

/** An {@link OutcomeJournal} in a file of the host's own, its room taken when the host starts. */
export interface FileOutcomeJournal extends OutcomeJournal {
  /** The journal file, or null when its room could not be taken (the host runs without one). */
  readonly path: string | null;
  /** Records kept and not yet forgotten. */
  readonly pending: number;
  /** Closes the file, and deletes it when nothing is pending (a clean stop). */
  close(): void;
}

/** Options for {@link createOutcomeJournal}. */
export interface OutcomeJournalOptions {
  /** The data directory's `outcomes/` directory. */
  readonly directory: string;
  readonly hostId: string;
  /** Records held at once: the host's concurrency (more are added to the file if need be). */
  readonly slots: number;
  readonly log: (line: string) => void;
}

/**
 * Creates the journal of a host: `outcomes/<host id>`, 0600, with room for `slots` records
 * written in full now, so that keeping a record later only overwrites bytes the file already
 * has and needs no free space. When that room cannot be taken (the disk is already full), the
 * host runs without a journal and says so.
 */
export function createOutcomeJournal(options: OutcomeJournalOptions): FileOutcomeJournal {
  const path = journalPath(options.directory, options.hostId);
  let fd: number | undefined;
  let slotCount = Math.max(1, options.slots);
  try {
    fd = openSync(path, 'w', 0o600);
    writeAll(fd, Buffer.alloc(slotCount * SLOT_BYTES), 0);
  } catch (error) {
    options.log(
      `could not reserve room for task outcomes in ${path}: ${(error as Error).message}; if this host dies while the disk is full, a task whose end it could not record may run again`,
    );
    if (fd !== undefined) closeQuietly(fd);
    rmSync(path, { force: true });
    fd = undefined;
  }
  const used = new Map<string, number>();
  const free: number[] = Array.from({ length: slotCount }, (_, index) => index);

  const write = (slot: number, bytes: Buffer): boolean => {
    if (fd === undefined) return false;
    try {
      writeAll(fd, bytes, slot * SLOT_BYTES);
      return true;
    } catch (error) {
      options.log(`could not keep a task outcome in ${path}: ${(error as Error).message}`);
      return false;
    }
  };

  return {
    path: fd === undefined ? null : path,
    get pending() {
      return used.size;
    },
    keep(taskId, attempt, record) {
      if (fd === undefined) return;
      const key = `${taskId}:${attempt}`;
      let slot = used.get(key);
      if (slot === undefined) {
        // More ends pending than the host runs tasks (should not happen): grow the file, which
        // needs free space, so it may fail.
        slot = free.shift() ?? slotCount++;
        used.set(key, slot);
      }
      write(slot, encodeSlot(taskId, attempt, record));
    },
    forget(taskId, attempt) {
      const key = `${taskId}:${attempt}`;
      const slot = used.get(key);
      if (slot === undefined) return;
      used.delete(key);
      if (write(slot, Buffer.alloc(HEADER_BYTES))) free.push(slot);
    },
    close() {
      if (fd === undefined) return;
      closeQuietly(fd);
      fd = undefined;
      if (used.size === 0) rmSync(path, { force: true });
      else options.log(`${used.size} task outcome(s) could not be recorded; they stay in ${path} for the next host`);
    },
  };
}

/** A record kept in a journal, for the attempt it belongs to. */
export interface JournaledRecord {
  readonly taskId: string;
  readonly attempt: number;
  readonly record: PendingRecord;
}

/**
 * The records a host's journal holds, keyed `<task id>:<attempt>`; empty when it has none (or
 * no journal). Slots that do not read as a whole record are skipped.
 */
export function readOutcomeJournal(directory: string, hostId: string): ReadonlyMap<string, JournaledRecord> {
  const records = new Map<string, JournaledRecord>();
  let bytes: Buffer;
  try {
    bytes = readFileSync(journalPath(directory, hostId));
  } catch {
    return records;
  }
  for (let offset = 0; offset + HEADER_BYTES <= bytes.length; offset += SLOT_BYTES) {
    const length = bytes.readUInt32LE(offset);
    if (length === 0 || offset + HEADER_BYTES + length > bytes.length) continue;
    try {
      const entry = JSON.parse(bytes.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length).toString('utf8')) as JournaledRecord;
      if (typeof entry.taskId !== 'string' || typeof entry.attempt !== 'number' || typeof entry.record?.kind !== 'string') continue;
      records.set(`${entry.taskId}:${entry.attempt}`, entry);
    } catch {
      // A slot being written when its host died: it holds nothing to record.
    }
  }
  return records;
}

/** Ids of the hosts that have a journal in `directory`. */
export function journaledHosts(directory: string): string[] {
  try {
    return readdirSync(directory).filter((name) => name.startsWith('host-'));
  } catch {
    return [];
  }
}

/** Deletes a host's journal (once recovery has recorded what it held). */
export function removeOutcomeJournal(directory: string, hostId: string): void {
  rmSync(journalPath(directory, hostId), { force: true });
}

function journalPath(directory: string, hostId: string): string {
  return join(directory, hostId);
}

function encodeSlot(taskId: string, attempt: number, record: PendingRecord): Buffer {
  let json = Buffer.from(JSON.stringify({ taskId, attempt, record }), 'utf8');
  const room = SLOT_BYTES - HEADER_BYTES;
  if (json.length > room) json = Buffer.from(JSON.stringify({ taskId, attempt, record: shortened(record, json.length - room) }), 'utf8');
  if (json.length > room) json = Buffer.from(JSON.stringify({ taskId, attempt, record: withoutReport(record) }), 'utf8');
  const slot = Buffer.alloc(HEADER_BYTES + json.length);
  slot.writeUInt32LE(json.length, 0);
  json.copy(slot, HEADER_BYTES);
  return slot;
}

// The record with its result text cut by `excess` bytes and a bit more (UTF-8 widths vary).
function shortened(record: PendingRecord, excess: number): PendingRecord {
  const report = record.kind === 'finish' ? record.outcome.report : record.request.report;
  const text = report?.resultText;
  if (report === null || report === undefined || text === null || text === undefined) return record;
  const keep = Math.max(0, text.length - excess - 64);
  const cut = { ...report, resultText: `${text.slice(0, keep)}… (cut short; the task's log has all of it)` };
  return record.kind === 'finish'
    ? { ...record, outcome: { ...record.outcome, report: cut } }
    : { ...record, request: { ...record.request, report: cut } };
}

function withoutReport(record: PendingRecord): PendingRecord {
  return record.kind === 'finish'
    ? { ...record, outcome: { ...record.outcome, report: null } }
    : { ...record, request: { ...record.request, report: null } };
}

function writeAll(fd: number, bytes: Buffer, position: number): void {
  for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written, position + written);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing left to do with it.
  }
}
