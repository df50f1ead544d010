/** History page: batches, drill-down to files and records with AtHoc's
 * per-record result, search by employee ID or login, CSV export. */
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api';
import type { BatchRowDto, HistoryDto, RecordRowDto } from '../api';
import { ActionError, Notice, Time, useAction, useApp } from '../components';
import { batchesCsv, recordsCsv } from '../csv';
import { formatBoboLocal, formatDuration } from '../format';

const STATE_TEXT: Record<RecordRowDto['state'], string> = {
  pending: '… pending (will retry)',
  applied: '✔ applied',
  rejected: '✖ rejected by AtHoc',
  superseded: '↷ superseded',
  skipped_older: '↶ skipped as older',
  unmapped: '? unmapped',
  invalid: '✖ unreadable row',
};

const BATCH_TEXT: Record<BatchRowDto['status'], string> = {
  running: '⟳ running',
  succeeded: '✔ succeeded',
  partial: '▲ partial',
  failed: '✖ failed',
  interrupted: '■ interrupted',
};

function RecordsTable({ records, caption, showBatch }: { records: RecordRowDto[]; caption: string; showBatch?: boolean }) {
  const { info } = useApp();
  const zone = info?.boboTimeZone ?? 'local';
  if (records.length === 0) return <p>No records.</p>;
  return (
    <div class="table-wrap" tabIndex={0} aria-label={caption}>
      <table class="records">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {showBatch && <th scope="col">Batch</th>}
            <th scope="col">File:line</th>
            <th scope="col">Employee ID</th>
            <th scope="col">Duty</th>
            <th scope="col">BOBO time</th>
            <th scope="col">Login</th>
            <th scope="col">Result</th>
            <th scope="col">AtHoc's reply</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr data-record={r.id}>
              {showBatch && <td>{r.batch}</td>}
              <td>
                {r.source.file}:{r.source.line}
              </td>
              <td>{r.employee ?? '—'}</td>
              <td>{r.duty === null ? '—' : r.duty === 'book_on' ? 'Book on' : 'Book off'}</td>
              <td>{r.local ? formatBoboLocal(r.local, zone) : '—'}</td>
              <td>{r.login ?? '—'}</td>
              <td class={`state-${r.state}`}>
                {STATE_TEXT[r.state]}
                {r.attempts > 1 ? ` (${r.attempts} tries)` : ''}
              </td>
              <td>{r.details ?? '—'}</td>
              <td>{r.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function BatchDetail({ batch, onClose }: { batch: BatchRowDto; onClose: () => void }) {
  const [records, setRecords] = useState<RecordRowDto[] | null>(null);
  const act = useAction();
  const { info } = useApp();
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => void act.run(async () => setRecords(await api.getBatchRecords(batch.id))), [batch.id]);
  const files = batch.files.length ? batch.files : [...new Set(records?.map((r) => r.source.file) ?? [])];
  return (
    <section class="batch-detail" aria-labelledby="batch-detail-h">
      <h2 id="batch-detail-h" tabIndex={-1}>
        Batch {batch.id}, started <Time iso={batch.startedAt} full />
      </h2>
      <div class="actions">
        <button type="button" onClick={onClose}>
          Back to all batches
        </button>
        <button
          type="button"
          disabled={!records}
          onClick={() =>
            void act.run(async () => setSaved(await api.saveCsv(`bobosync-batch-${batch.id}.csv`, recordsCsv(records ?? [], info?.boboTimeZone ?? 'local'))))
          }
        >
          Export records as CSV
        </button>
      </div>
      {batch.error && <Notice tone="error">{batch.error}</Notice>}
      {saved && <Notice tone="ok">Saved to {saved}</Notice>}
      <ActionError act={act} />
      {records &&
        files.map((f) => <RecordsTable caption={`File ${f}`} records={records.filter((r) => r.source.file === f)} />)}
    </section>
  );
}

export function HistoryPage({ revision }: { revision: number }) {
  const [data, setData] = useState<HistoryDto | null>(null);
  const [who, setWho] = useState('');
  const [searched, setSearched] = useState<string | null>(null);
  const [open, setOpen] = useState<BatchRowDto | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const act = useAction();
  const { info } = useApp();
  const load = (w: string | null) =>
    void act.run(async () => {
      setData(await api.getHistory({ who: w, limit: 200 }));
      setSearched(w);
    });
  useEffect(() => load(searched), [revision]);

  if (open) return <BatchDetail batch={open} onClose={() => setOpen(null)} />;

  const exportCsv = () =>
    void act.run(async () => {
      if (!data) return;
      const path =
        searched !== null
          ? await api.saveCsv(`bobosync-${searched}.csv`, recordsCsv(data.records, info?.boboTimeZone ?? 'local'))
          : await api.saveCsv('bobosync-batches.csv', batchesCsv(data.batches));
      setSaved(path);
    });

  return (
    <div class="history-page">
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          load(who.trim() || null);
        }}
      >
        <label for="who">Employee ID or login</label>
        <input id="who" type="search" value={who} onInput={(e) => setWho((e.currentTarget as HTMLInputElement).value)} placeholder="e.g. 01234" />
        <button type="submit">Search</button>
        {searched !== null && (
          <button
            type="button"
            onClick={() => {
              setWho('');
              load(null);
            }}
          >
            Show all
          </button>
        )}
        <button type="button" onClick={exportCsv} disabled={!data}>
          Export as CSV
        </button>
      </form>
      <div aria-live="polite">
        <ActionError act={act} />
        {saved && <Notice tone="ok">Saved to {saved}</Notice>}
      </div>
      {data && searched !== null && (
        <RecordsTable caption={`Every record of ${searched} (${data.records.length})`} records={data.records} showBatch />
      )}
      {data && searched === null && data.failedRuns.length > 0 && (
        <div class="table-wrap" tabIndex={0} aria-label="Failed cycles">
          <table class="failed-runs">
            <caption>Cycles that failed outside any batch ({data.failedRuns.length})</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">Last</th>
                <th scope="col">Cycles</th>
                <th scope="col">What failed</th>
              </tr>
            </thead>
            <tbody>
              {data.failedRuns.map((f) => (
                <tr>
                  <td>
                    <Time iso={f.firstAt} full />
                  </td>
                  <td>
                    <Time iso={f.lastAt} full />
                  </td>
                  <td>{f.count}</td>
                  <td>
                    {f.file ? `${f.file}: ` : ''}
                    {f.message}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && (
        <div class="table-wrap" tabIndex={0} aria-label="Batches">
          <table class="batches">
            <caption>{searched !== null ? `Batches (${data.batches.length})` : `Recent batches (${data.batches.length})`}</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Files</th>
                <th scope="col">Events</th>
                <th scope="col">Set</th>
                <th scope="col">Cleared</th>
                <th scope="col">Skipped as older</th>
                <th scope="col">Unmapped</th>
                <th scope="col">Failed</th>
                <th scope="col">Duration</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="sr-only">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.batches.map((b) => (
                <tr data-batch={b.id}>
                  <td>
                    <Time iso={b.startedAt} full />
                  </td>
                  <td title={b.files.join('\n')}>{b.files.length}</td>
                  <td>{b.counts.events}</td>
                  <td>{b.counts.set}</td>
                  <td>{b.counts.cleared}</td>
                  <td>{b.counts.skippedOlder}</td>
                  <td>{b.counts.unmapped}</td>
                  <td>
                    {b.counts.failed + b.counts.rejected}
                    {b.counts.rejected ? ` (${b.counts.rejected} rejected)` : ''}
                  </td>
                  <td>{formatDuration(b.startedAt, b.finishedAt)}</td>
                  <td>{BATCH_TEXT[b.status]}</td>
                  <td>
                    <button type="button" onClick={() => setOpen(b)} aria-label={`Details of batch ${b.id}`}>
                      Details
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
