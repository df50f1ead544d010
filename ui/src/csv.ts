/**
 * CSV export of history: RFC 4180 quoting, CRLF rows, and formula-looking
 * cells neutralised so a spreadsheet never runs them. Pure.
 */
import type { BatchRowDto, RecordRowDto } from './api';

/** Quotes one cell when needed. A cell that a spreadsheet would read as a
 * formula (`=`, `+`, `-`, `@`, tab, CR at the start, and not a plain number)
 * gets a leading `'`. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) return `"${s.replace(/"/g, '""')}"`;
  return s;
}

/** Rows → CSV text (CRLF line ends, final CRLF). */
export function toCsv(rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Batches as CSV; times stay RFC 3339 UTC so the file is unambiguous. */
export function batchesCsv(batches: readonly BatchRowDto[]): string {
  const head = [
    'batch_id', 'started_at_utc', 'finished_at_utc', 'status', 'files', 'events', 'set', 'cleared',
    'skipped_older', 'superseded', 'unmapped', 'rejected', 'failed', 'invalid', 'error',
  ];
  return toCsv([
    head,
    ...batches.map((b) => [
      b.id, b.startedAt, b.finishedAt, b.status, b.files.join('; '), b.counts.events, b.counts.set,
      b.counts.cleared, b.counts.skippedOlder, b.counts.superseded, b.counts.unmapped,
      b.counts.rejected, b.counts.failed, b.counts.invalid, b.error,
    ]),
  ]);
}

/** Records as CSV, with AtHoc's per-record result. */
export function recordsCsv(records: readonly RecordRowDto[], boboZone: string): string {
  const head = [
    'batch_id', 'file', 'line', 'employee_id', 'duty', `bobo_time_${boboZone}`, 'at_utc', 'action',
    'login', 'state', 'athoc_result', 'reason', 'attempts',
  ];
  return toCsv([
    head,
    ...records.map((r) => [
      r.batch, r.source.file, r.source.line, r.employee, r.duty, r.local, r.at, r.action, r.login,
      r.state, r.details, r.reason, r.attempts,
    ]),
  ]);
}
