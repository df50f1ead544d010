import { describe, expect, it } from 'vitest';
import { approvalSample, describeApproval } from '../src/approvals';

describe('approval payloads list exactly what would change', () => {
  it('mass clear: one line per login', () => {
    expect(describeApproval('mass_clear', '["a","b"]')).toEqual({
      items: ['Clear the duty value of a', 'Clear the duty value of b'], raw: null,
    });
  });
  it('mapping purge: one line per removed mapping', () => {
    expect(describeApproval('mapping_purge', '[["01234","jsmith"]]').items).toEqual([
      'Remove the mapping of employee 01234 to jsmith',
    ]);
  });
  it('mapping purge: a re-pointed mapping names both logins', () => {
    expect(describeApproval('mapping_purge', '[["01234","jsmith"],["00042","old","new"]]').items).toEqual([
      'Remove the mapping of employee 01234 to jsmith',
      'Re-point employee 00042 from old to new',
    ]);
  });
  it('reconcile fix: set or clear, one line per person', () => {
    expect(describeApproval('reconcile_fix', '[["a","17/06/2025 08:00:00"],["b",""]]').items).toEqual([
      'Set the duty value of a to 17/06/2025 08:00:00',
      'Clear the duty value of b',
    ]);
  });
  it('an unknown shape is shown raw, never hidden', () => {
    expect(describeApproval('mass_clear', '{"x":1}')).toEqual({ items: [], raw: '{\n  "x": 1\n}' });
    expect(describeApproval('mass_clear', 'not json')).toEqual({ items: [], raw: 'not json' });
  });
});

describe('approval confirmations name a sample of who is touched', () => {
  it('mass clear: count, first names, how many more', () => {
    const logins = Array.from({ length: 8 }, (_, i) => `u${i + 1}`);
    expect(approvalSample('mass_clear', JSON.stringify(logins), 3)).toEqual({ count: 8, noun: 'duty values', names: ['u1', 'u2', 'u3'], more: 5 });
  });
  it('mapping purge names employees; reconcile fix names logins', () => {
    expect(approvalSample('mapping_purge', '[["01234","jsmith"],["00042","a","b"]]')).toEqual({ count: 2, noun: 'mappings', names: ['employee 01234', 'employee 00042'], more: 0 });
    expect(approvalSample('reconcile_fix', '[["a","x"],["b",""]]').names).toEqual(['a', 'b']);
  });
  it('an unreadable payload has no count (the raw text is shown instead)', () => {
    expect(approvalSample('mass_clear', 'not json')).toEqual({ count: null, noun: 'duty values', names: [], more: 0 });
  });
});
