import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDuration, formatMillis, formatRelative, formatShortTime, formatTime, sameZone } from '../src/format';

describe('formatTime: every time says its zone', () => {
  const now = new Date('2025-07-01T12:00:00Z');
  it.each([
    ['2025-07-01T13:31:10Z', 'Europe/London', '14:31:10 Europe/London'],
    ['2025-07-01T13:31:10Z', 'UTC', '13:31:10 UTC'],
    ['2025-06-30T23:30:00Z', 'Europe/London', '00:30:00 Europe/London'],
    ['2025-06-29T08:00:00Z', 'Europe/London', '2025-06-29 09:00:00 Europe/London'],
    ['2025-01-15T08:00:00Z', 'Europe/London', '2025-01-15 08:00:00 Europe/London'],
    ['2025-07-01T02:00:00Z', 'America/New_York', '2025-06-30 22:00:00 America/New_York'],
  ])('%s in %s → %s', (iso, zone, want) => {
    expect(formatTime(iso, zone, now)).toBe(want);
  });
  it('marks an unreadable time instead of inventing one', () => {
    expect(formatTime('yesterday', 'UTC', now)).toBe('yesterday (unreadable time)');
  });
  it('falls back to UTC, saying so, for an unknown zone', () => {
    expect(formatTime('2025-07-01T13:31:10Z', 'Mars/Olympus', now)).toBe('13:31:10 UTC');
  });
  it('formatDateTime always has the date', () => {
    expect(formatDateTime('2025-07-01T13:31:10Z', 'Europe/London')).toBe('2025-07-01 14:31:10 Europe/London');
  });
});

describe('durations', () => {
  it.each([
    [850, '850 ms'],
    [12_340, '12.3 s'],
    [245_000, '4 min 05 s'],
    [7_380_000, '2 h 03 min'],
    [-5, '—'],
  ])('%d ms → %s', (ms, want) => expect(formatMillis(ms)).toBe(want));
  it('a batch not finished is still running', () => {
    expect(formatDuration('2025-01-01T00:00:00Z', null)).toBe('still running');
    expect(formatDuration('2025-01-01T00:00:00Z', '2025-01-01T00:00:04Z')).toBe('4.0 s');
  });
});

describe('short and relative times', () => {
  const now = new Date('2025-11-14T12:00:00Z');
  it.each([
    ['2025-11-14T14:31:10Z', 'UTC', '14:31'],
    ['2025-11-14T09:02:00Z', 'Europe/London', '09:02'],
    ['2025-11-13T09:02:00Z', 'Europe/London', 'yesterday 09:02'],
    ['2025-11-12T09:02:00Z', 'Europe/London', '12 Nov 09:02'],
    ['2024-11-12T09:02:00Z', 'UTC', '12 Nov 2024 09:02'],
    ['2025-07-01T13:31:10Z', 'Europe/London', '1 Jul 14:31'],
    // Midnight in New York is still the 13th there.
    ['2025-11-14T04:30:00Z', 'America/New_York', 'yesterday 23:30'],
  ])('%s in %s → %s', (iso, zone, want) => expect(formatShortTime(iso, zone, now)).toBe(want));
  it('yesterday across a month end', () => {
    expect(formatShortTime('2025-02-28T10:00:00Z', 'UTC', new Date('2025-03-01T08:00:00Z'))).toBe('yesterday 10:00');
  });
  it.each([
    ['2025-11-14T11:59:40Z', 'just now'],
    ['2025-11-14T11:58:00Z', '2 min ago'],
    ['2025-11-14T11:00:00Z', '1 h ago'],
    ['2025-11-14T11:00:20Z', '59 min ago'],
    ['2025-11-14T08:30:00Z', '3 h ago'],
    ['2025-11-14T12:05:00Z', 'in 5 min'],
    ['2025-11-14T14:00:00Z', 'in 2 h'],
    ['2025-11-13T09:02:00Z', 'yesterday 09:02'],
  ])('%s → %s', (iso, want) => expect(formatRelative(iso, 'UTC', now)).toBe(want));
  it('an unreadable time is marked', () => {
    expect(formatRelative('soon', 'UTC', now)).toBe('soon (unreadable time)');
    expect(formatShortTime('soon', 'UTC', now)).toBe('soon (unreadable time)');
  });
});

describe('zone note only when the zones differ', () => {
  it.each([
    ['Europe/London', 'Europe/London', true],
    ['UTC', 'Etc/UTC', true],
    ['Europe/London', 'Europe/Dublin', false],
    ['Mars/Olympus', 'Mars/Olympus', true],
  ])('%s vs %s → same: %s', (a, b, same) => expect(sameZone(a, b)).toBe(same));
});
