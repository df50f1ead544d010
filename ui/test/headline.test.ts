import { describe, expect, it } from 'vitest';
import type { ApprovalDto, FailedFileDto, IncidentDto, StatusDto } from '../src/api';
import { headline, TONE, waitingItems } from '../src/headline';

const status: StatusDto = {
  health: 'ok', reason: 'All files applied', since: '2025-03-04T13:00:00Z', paused: false, mode: 'live',
  lastFileSeen: null, lastSuccess: '2025-03-04T13:58:00Z', nextMappingSync: null, pendingFiles: 0, pendingApprovals: 0, drift: 0, incidents: [],
};
const approval: ApprovalDto = { id: 7, kind: 'mass_clear', summary: 'clear 12 duty values', payload: '[]', createdAt: '2025-03-04T13:55:00Z' };
const failed = (name: string): FailedFileDto => ({ name, failedAt: '2025-03-04T12:00:00Z', reason: 'HTTP 400' });
const incident = (id: number, kind: string, severity = 'error'): IncidentDto => ({ id, kind, severity, summary: `${kind} happened`, since: '2025-03-04T13:00:00Z' });

describe('headline', () => {
  it('up to date: the sentence and when the last file was applied', () => {
    const h = headline(status, null, [], [], []);
    expect(h).toMatchObject({ tone: 'ok', text: 'Up to date', time: { label: 'last file applied', iso: status.lastSuccess }, progress: null, busy: false, items: [] });
  });
  it('up to date before any file: says so, no time', () => {
    expect(headline({ ...status, lastSuccess: null }, null, [], [], [])).toMatchObject({ tone: 'ok', text: 'Up to date — no file applied yet', time: null });
  });
  it('files waiting for the next sync are not "up to date"', () => {
    expect(headline({ ...status, pendingFiles: 2 }, null, [], [], []).text).toBe('2 files waiting for the next sync');
  });
  it('syncing: busy, an indeterminate progress, the files it is on', () => {
    const h = headline({ ...status, health: 'syncing', pendingFiles: 3 }, null, [], [], []);
    expect(h).toMatchObject({ tone: 'syncing', text: 'Syncing 3 files…', busy: true, progress: { answered: 0, total: 0 } });
    expect(headline({ ...status, health: 'syncing' }, null, [], [], []).text).toBe('Syncing…');
  });
  it('the operator\'s Sync now in flight is a sync too', () => {
    expect(headline(status, null, [], [], [], true)).toMatchObject({ tone: 'syncing', busy: true });
  });
  it('sending: how many updates of how many, grouped', () => {
    const h = headline({ ...status, health: 'syncing' }, { answered: 1200, total: 4900 }, [], [], []);
    expect(h).toMatchObject({ tone: 'syncing', text: 'Sending 1,200 of 4,900 updates', busy: true, progress: { answered: 1200, total: 4900 } });
  });
  it('paused: nothing is applied until resumed', () => {
    const h = headline({ ...status, health: 'paused', paused: true }, null, [], [], []);
    expect(h).toMatchObject({ tone: 'paused', text: 'Paused — nothing is applied until you resume', busy: false });
  });
  it('needs attention while an approval waits, even with health OK (the badge never says OK then)', () => {
    const h = headline(status, null, [approval], [], []);
    expect(h.tone).toBe('attention');
    expect(h.text).toBe('Needs attention — 1 thing waits for you');
    expect(h.items).toEqual([{ key: 'approval-7', text: 'Waiting for approval: clear 12 duty values', severity: 'warn', action: { kind: 'approval', label: 'Review approval', id: 7 } }]);
    expect(TONE[h.tone].word).toBe('Needs attention');
  });
  it('needs attention beats syncing and paused, and keeps the progress', () => {
    const h = headline({ ...status, health: 'syncing' }, { answered: 1, total: 2 }, [approval], [], []);
    expect(h).toMatchObject({ tone: 'attention', busy: true, progress: { answered: 1, total: 2 } });
    expect(headline({ ...status, paused: true, health: 'paused' }, null, [approval], [], []).tone).toBe('attention');
  });
  it('failed files: one line with Retry failed files; an error', () => {
    expect(headline(status, null, [], [failed('a.csv')], []).items).toEqual([
      { key: 'failed', text: 'a.csv was not applied (in the failed folder)', severity: 'error', action: { kind: 'retry', label: 'Retry failed files' } },
    ]);
    const h = headline(status, null, [], [failed('a.csv'), failed('b.csv')], []);
    expect(h.tone).toBe('error');
    expect(h.items[0]?.text).toBe('2 files not applied (in the failed folder)');
  });
  it('incidents: settings ones open Settings, checks ones Review the checks, others Review history', () => {
    const items = waitingItems(status, [], [], [incident(1, 'auth_rejected'), incident(2, 'unreachable'), incident(3, 'check_failing', 'warning'), incident(4, 'record_failures', 'warning'), incident(5, 'files_failed')]);
    expect(items.map((i) => [i.key, i.severity, i.action])).toEqual([
      ['incident-1', 'error', { kind: 'settings', label: 'Open Settings' }],
      ['incident-2', 'error', { kind: 'settings', label: 'Open Settings' }],
      ['incident-3', 'warn', { kind: 'review', label: 'Review', page: 'checks' }],
      ['incident-4', 'warn', { kind: 'review', label: 'Review', page: 'history' }],
      ['incident-5', 'error', { kind: 'openFailed', label: 'Open failed folder' }],
    ]);
  });
  it('incidents already listed by name (the approval, the failed files) are not listed twice', () => {
    const items = waitingItems(status, [approval], [failed('a.csv')], [incident(1, 'approval_needed', 'warning'), incident(2, 'files_failed')]);
    expect(items.map((i) => i.key)).toEqual(['approval-7', 'failed']);
  });
  it('a warning or error health with nothing listed: its reason, with Review', () => {
    const h = headline({ ...status, health: 'warning', reason: 'No file in active hours' }, null, [], [], []);
    expect(h.tone).toBe('attention');
    expect(h.items).toEqual([{ key: 'health', text: 'No file in active hours', severity: 'warn', action: { kind: 'review', label: 'Review', page: 'history' } }]);
    expect(headline({ ...status, health: 'error', reason: 'x' }, null, [], [], []).tone).toBe('error');
  });
  it('only warnings: tone attention, not error', () => {
    expect(headline(status, null, [], [], [incident(3, 'check_failing', 'warning')]).tone).toBe('attention');
  });
  it('every tone has an icon and a word (never colour alone)', () => {
    for (const t of Object.values(TONE)) {
      expect(t.icon).not.toBe('');
      expect(t.word).not.toBe('');
    }
  });
});
