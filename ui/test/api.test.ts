import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { afterEach, describe, expect, it } from 'vitest';
import * as api from '../src/api';

afterEach(() => clearMocks());

function record() {
  const calls: { cmd: string; args: unknown }[] = [];
  return { calls, log: (cmd: string, args: unknown) => calls.push({ cmd, args }) };
}

describe('api.ts wrappers', () => {
  it('pass camelCase arguments under the names the backend reads', async () => {
    const r = record();
    mockIPC((cmd, args) => {
      r.log(cmd, args);
      return cmd === 'get_history' ? { batches: [], failedRuns: [], records: [] } : cmd === 'get_batch_records' ? [] : null;
    });
    await api.getHistory({ who: '01234', limit: 50 });
    await api.getBatchRecords(7);
    await api.approveChange(3);
    await api.rejectChange(4);
    await api.storeSecrets({ values: { 'athoc.org_code': 'O' }, password: 'pw' });
    await api.importLegacy();
    await api.stopDemo();
    expect(r.calls).toEqual([
      { cmd: 'get_history', args: { query: { who: '01234', limit: 50 } } },
      { cmd: 'get_batch_records', args: { batchId: 7 } },
      { cmd: 'approve_change', args: { id: 3 } },
      { cmd: 'reject_change', args: { id: 4 } },
      { cmd: 'store_secrets', args: { request: { values: { 'athoc.org_code': 'O' }, password: 'pw' } } },
      { cmd: 'import_legacy', args: {} },
      { cmd: 'stop_demo', args: {} },
    ]);
  });

  it('reject with ApiError carrying the kind', async () => {
    mockIPC(() => {
      throw { kind: 'busy', message: 'A sync is already running' };
    });
    const e = await api.syncNow().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(api.ApiError);
    expect((e as api.ApiError).kind).toBe('busy');
    expect((e as api.ApiError).message).toBe('A sync is already running');
  });

  it('toApiError keeps strings and errors as internal', () => {
    expect(api.toApiError('boom').kind).toBe('internal');
    expect(api.toApiError(new Error('x')).message).toBe('x');
  });

  it('pickFolder asks the dialog plugin for a directory', async () => {
    const r = record();
    mockIPC((cmd, args) => {
      r.log(cmd, args);
      return '/srv/drop';
    });
    await expect(api.pickFolder('Drop folder')).resolves.toBe('/srv/drop');
    expect(r.calls[0]).toEqual({ cmd: 'plugin:dialog|open', args: { options: { directory: true, multiple: false, title: 'Drop folder' } } });
  });

  it('saveCsv passes only a suggested name and the contents: the backend asks where', async () => {
    const r = record();
    mockIPC((cmd, args) => {
      r.log(cmd, args);
      return cmd === 'export_csv' ? '/home/op/history.csv' : null;
    });
    await expect(api.saveCsv('h.csv', 'a,b\r\n')).resolves.toBe('/home/op/history.csv');
    expect(r.calls).toEqual([{ cmd: 'export_csv', args: { suggestedName: 'h.csv', contents: 'a,b\r\n' } }]);
  });

  it('saveCsv gives null when the operator cancelled', async () => {
    mockIPC(() => null);
    await expect(api.saveCsv('h.csv', 'x')).resolves.toBeNull();
  });

  it('openFolder names one of the four folders, never a path, and uses no opener plugin', async () => {
    const r = record();
    mockIPC((cmd, args) => r.log(cmd, args));
    await api.openFolder('logs');
    expect(r.calls).toEqual([{ cmd: 'open_folder', args: { name: 'logs' } }]);
  });

  it('app preferences round-trip through their own commands', async () => {
    const r = record();
    mockIPC((cmd, args) => {
      r.log(cmd, args);
      return cmd === 'get_app_preferences' ? { startAtLogin: false, closeToTray: true } : (args as { preferences: unknown }).preferences;
    });
    await expect(api.getAppPreferences()).resolves.toEqual({ startAtLogin: false, closeToTray: true });
    await api.setAppPreferences({ startAtLogin: true, closeToTray: false });
    expect(r.calls[1]).toEqual({ cmd: 'set_app_preferences', args: { preferences: { startAtLogin: true, closeToTray: false } } });
  });

  it('onEngineEvent delivers payloads until unlistened', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const got: api.EngineEvent[] = [];
    const un = await api.onEngineEvent((e) => got.push(e));
    await emit(api.ENGINE_EVENT, { type: 'recordFailures', count: 2 });
    un();
    await emit(api.ENGINE_EVENT, { type: 'recordFailures', count: 3 });
    expect(got).toEqual([{ type: 'recordFailures', count: 2 }]);
  });
});
