import { describe, expect, it } from 'vitest';
import type { BatchRowDto, RecordRowDto } from '../src/api';
import { batchesCsv, csvCell, recordsCsv, toCsv } from '../src/csv';

describe('csvCell escaping', () => {
  it.each<[string | number | null, string]>([
    ['plain', 'plain'],
    ['01234', '01234'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    [' padded ', '" padded "'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1+1', "'+1+1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['-5', '-5'],
    ['-2+3', "'-2+3"],
    [42, '42'],
    [null, ''],
  ])('%j → %j', (v, want) => expect(csvCell(v)).toBe(want));

  it('rows end with CRLF', () => {
    expect(toCsv([['a', 'b'], ['1', '2']])).toBe('a,b\r\n1,2\r\n');
  });
});

describe('history exports', () => {
  const batch: BatchRowDto = {
    id: 3, startedAt: '2025-03-04T14:00:00Z', finishedAt: '2025-03-04T14:00:03Z', files: ['a.csv', 'b,c.csv'],
    counts: { events: 2, set: 1, cleared: 1, skippedOlder: 0, superseded: 0, unmapped: 0, rejected: 0, failed: 0, invalid: 0 },
    status: 'succeeded', error: null,
  };
  it('batches keep UTC times and quote file lists', () => {
    const lines = batchesCsv([batch]).split('\r\n');
    expect(lines[0]).toMatch(/^batch_id,started_at_utc,finished_at_utc,status,files,events,set,cleared,skipped_older/);
    expect(lines[1]).toBe('3,2025-03-04T14:00:00Z,2025-03-04T14:00:03Z,succeeded,"a.csv; b,c.csv",2,1,1,0,0,0,0,0,0,');
  });
  it("records carry AtHoc's result and name the BOBO zone", () => {
    const r: RecordRowDto = {
      id: 1, batch: 3, employee: '01234', duty: 'book_on', local: '2025-03-04 02:10:00', at: '2025-03-04T02:10:00Z',
      source: { file: 'a.csv', line: 2 }, action: 'set', login: 'jsmith', reason: 'newest', state: 'rejected',
      details: 'Invalid value, "x"', athocUserId: 5, attempts: 1,
    };
    const lines = recordsCsv([r], 'Europe/London').split('\r\n');
    expect(lines[0]).toContain('bobo_time_Europe/London');
    expect(lines[1]).toBe('3,a.csv,2,01234,book_on,2025-03-04 02:10:00,2025-03-04T02:10:00Z,set,jsmith,rejected,"Invalid value, ""x""",newest,1');
  });
});
