import { describe, expect, it } from 'vitest';
import type { StatusDto } from '../src/api';
import { appReducer, bookedText, canAdvance, errorHint, initialApp, initialWizard, readActivity, wizardReducer, type WizardState } from '../src/state';

const status: StatusDto = {
  health: 'error', reason: 'AtHoc unreachable', since: '2025-01-01T00:00:00Z', paused: false, mode: 'live',
  lastFileSeen: null, lastSuccess: null, nextMappingSync: null, pendingFiles: 0, pendingApprovals: 0, drift: null, incidents: [],
};
const at = '2025-01-01T00:00:00Z';

describe('appReducer', () => {
  it('healthChanged replaces the status without an activity line', () => {
    const s = appReducer(initialApp, { type: 'event', event: { type: 'healthChanged', status }, at });
    expect(s.status).toEqual(status);
    expect(s.activity).toEqual([]);
  });
  it('the status snapshot names the incidents open now, even ones that began before the window opened', () => {
    const incident = { id: 9, kind: 'auth_rejected', severity: 'error', summary: 'AtHoc refused the credentials', since: at };
    const s = appReducer(initialApp, { type: 'status', status: { ...status, incidents: [incident] } });
    expect(s.incidents).toEqual([incident]);
    expect(appReducer(s, { type: 'status', status }).incidents).toEqual([]);
  });
  it('incidents open and resolve by id', () => {
    const incident = { id: 1, kind: 'unreachable', severity: 'error' as const, summary: 'AtHoc unreachable', since: at };
    let s = appReducer(initialApp, { type: 'event', event: { type: 'incidentOpened', incident }, at });
    s = appReducer(s, { type: 'event', event: { type: 'incidentOpened', incident }, at });
    expect(s.incidents).toHaveLength(1);
    s = appReducer(s, { type: 'event', event: { type: 'incidentResolved', incident }, at });
    expect(s.incidents).toEqual([]);
    expect(s.activity.map((a) => [a.tone, a.text])).toEqual([
      ['info', 'Resolved: AtHoc unreachable'], ['error', 'Problem: AtHoc unreachable'], ['error', 'Problem: AtHoc unreachable'],
    ]);
  });
  it('a warning incident reads as a warning, not a problem (never by colour alone)', () => {
    const incident = { id: 2, kind: 'unmapped_employees', severity: 'warning' as const, summary: '1 event(s) unmapped', since: at };
    const s = appReducer(initialApp, { type: 'event', event: { type: 'incidentOpened', incident }, at });
    expect(s.activity.map((a) => [a.tone, a.text])).toEqual([['warn', 'Warning: 1 event(s) unmapped']]);
  });
  it('a finished batch bumps the revision so History reloads', () => {
    const report = { batchId: 1, files: ['a.csv'], events: 1, set: 1, cleared: 0, superseded: 0, skippedOlder: 0, unmapped: 0, invalid: 0, rejected: 1, failed: 1, filesProcessed: 1, filesFailed: 0, filesKept: 0 };
    const s = appReducer(initialApp, { type: 'event', event: { type: 'batchFinished', report }, at });
    expect(s.revision).toBe(1);
    expect(s.activity[0]?.text).toBe('Synced a.csv: 1 booked on, 0 booked off, 2 not applied');
  });
  it.each([
    [{ batchId: 4, files: ['a.csv'] }, 'Syncing a.csv'],
    [{ batchId: null, files: ['a.csv', 'b.csv'] }, 'Syncing 2 files'],
    [{ batchId: null, files: [] }, 'Sync started'],
  ])('batchStarted %o reads %s', (e, text) => {
    const s = appReducer(initialApp, { type: 'event', event: { type: 'batchStarted', ...e }, at });
    expect(s.activity[0]?.text).toBe(text);
  });
  it('sending progress is kept until the batch finishes or the sync ends, without activity lines', () => {
    let s = appReducer(initialApp, { type: 'event', event: { type: 'sending', answered: 0, total: 4900 }, at });
    s = appReducer(s, { type: 'event', event: { type: 'sending', answered: 1000, total: 4900 }, at });
    expect(s.sending).toEqual({ answered: 1000, total: 4900 });
    expect(s.activity).toEqual([]);
    s = appReducer(s, { type: 'event', event: { type: 'healthChanged', status: { ...status, health: 'syncing' } }, at });
    expect(s.sending).toEqual({ answered: 1000, total: 4900 });
    const report = { batchId: 1, files: ['a.csv'], events: 1, set: 1, cleared: 0, superseded: 0, skippedOlder: 0, unmapped: 0, invalid: 0, rejected: 0, failed: 0, filesProcessed: 1, filesFailed: 0, filesKept: 0 };
    expect(appReducer(s, { type: 'event', event: { type: 'batchFinished', report }, at }).sending).toBeNull();
    expect(appReducer(s, { type: 'event', event: { type: 'healthChanged', status }, at }).sending).toBeNull();
  });
  it('approvalNeeded adds the approval once', () => {
    const approval = { id: 3, kind: 'mass_clear' as const, summary: 's', payload: '[]', createdAt: at };
    let s = appReducer(initialApp, { type: 'event', event: { type: 'approvalNeeded', approval }, at });
    s = appReducer(s, { type: 'event', event: { type: 'approvalNeeded', approval }, at });
    expect(s.approvals).toHaveLength(1);
  });
  it('activity keeps the newest 30', () => {
    let s = initialApp;
    for (let i = 0; i < 40; i++) s = appReducer(s, { type: 'event', event: { type: 'recordFailures', count: i }, at });
    expect(s.activity).toHaveLength(30);
    expect(s.activity[0]?.text).toBe('39 records failed');
  });
});

describe('wizardReducer', () => {
  const step = (s: WizardState, n: number) => {
    for (let i = 0; i < n; i++) s = wizardReducer(s, { type: 'next' });
    return s;
  };
  it('does not pass the connection test until it succeeded', () => {
    const atTest = step(initialWizard, 2);
    expect(atTest.step).toBe('test');
    expect(canAdvance(atTest)).toBe(false);
    expect(wizardReducer(atTest, { type: 'next' }).step).toBe('test');
    const ok = wizardReducer(atTest, { type: 'connectionTested', ok: true });
    expect(wizardReducer(ok, { type: 'next' }).step).toBe('folders');
  });
  it('editing the server invalidates the connection test; editing a folder does not', () => {
    const ok: WizardState = { step: 'folders', connectionOk: true, saved: true };
    expect(wizardReducer(ok, { type: 'edited', key: 'paths.drop_dir' })).toEqual({ ...ok, saved: false });
    expect(wizardReducer(ok, { type: 'edited', key: 'athoc.server_url' }).connectionOk).toBe(false);
  });
  it('preview needs saved settings; goto never skips ahead', () => {
    const prev: WizardState = { step: 'preview', connectionOk: true, saved: false };
    expect(canAdvance(prev)).toBe(false);
    expect(wizardReducer({ ...prev, saved: true }, { type: 'next' }).step).toBe('live');
    expect(wizardReducer(initialWizard, { type: 'goto', step: 'preview' }).step).toBe('server');
    expect(wizardReducer(prev, { type: 'goto', step: 'server' }).step).toBe('server');
    expect(wizardReducer(initialWizard, { type: 'back' }).step).toBe('server');
  });
});

describe('errorHint', () => {
  it.each([
    ['auth_rejected', 'settings'],
    ['not_configured', 'wizard'],
    ['invalid_settings', 'settings'],
    ['unreachable', null],
    ['keyring_unavailable', null],
  ])('%s points to %s', (kind, goTo) => {
    expect(errorHint(kind)?.goTo).toBe(goTo);
  });
  it('kinds without advice (and unknown ones) add nothing', () => {
    expect(errorHint('internal')).toBeNull();
    expect(errorHint('from_a_newer_backend')).toBeNull();
    expect(errorHint(null)).toBeNull();
  });
});

describe('recent activity', () => {
  const rec = (login: string | null, employee: string, action: 'set' | 'clear' | 'unmapped', state: 'applied' | 'rejected') =>
    ({ id: 1, batch: 1, employee, duty: 'book_on', local: null, at: null, source: { file: 'a.csv', line: 1 }, action, login, reason: '', state, details: null, athocUserId: null, attempts: 1 }) as never;
  it('bookedText names who was booked on and off (applied records only)', () => {
    expect(bookedText([rec('jsmith', '1', 'set', 'applied'), rec(null, '7', 'clear', 'applied'), rec('x', '2', 'set', 'rejected')])).toBe(
      'Booked on: jsmith · booked off: employee 7',
    );
    expect(bookedText([rec('bwayne', '5', 'clear', 'applied')])).toBe('Booked off: bwayne');
    expect(bookedText([rec('x', '2', 'set', 'rejected')])).toBeNull();
    const many = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((l) => rec(l, l, 'set', 'applied'));
    expect(bookedText(many)).toBe('Booked on: a, b, c, d, e and 2 more');
  });
  it('readActivity keeps well-formed lines, newest first, and drops the rest', () => {
    expect(readActivity(null)).toEqual([]);
    expect(
      readActivity([
        { at: '2025-01-01T00:00:00Z', text: 'old', tone: 'info' },
        { at: '2025-01-02T00:00:00Z', text: 'new', tone: 'warn' },
        { at: 1, text: 'bad' },
        { at: '2025-01-03T00:00:00Z', text: 'bad tone', tone: 'loud' },
      ]).map((a) => a.text),
    ).toEqual(['new', 'old']);
  });
  it('restored lines go after the ones this window already has; a later line goes first', () => {
    let s = appReducer(initialApp, { type: 'event', event: { type: 'recordFailures', count: 1 }, at });
    s = appReducer(s, { type: 'restoreActivity', activity: [{ at: '2024-12-31T00:00:00Z', text: 'kept', tone: 'info' }] });
    s = appReducer(s, { type: 'activity', line: { at, text: 'Booked on: jsmith', tone: 'info' } });
    expect(s.activity.map((a) => a.text)).toEqual(['Booked on: jsmith', '1 record failed', 'kept']);
  });
});
