import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDuration, formatMillis, formatTime } from '../src/format';

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
