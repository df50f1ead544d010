/** History page, built for a tray-sized window: each sync with its result
 * first, opened to see who was booked on and off, AtHoc's answer per line;
 * a person's timeline by employee ID or login; CSV export. Tables lose
 * columns as the window narrows and become cards when it is narrow. */
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api';
import type { BatchRowDto, HistoryDto, RecordRowDto } from '../api';
import { ActionError, Notice, Time, useAction, useApp } from '../components';
import { batchesCsv, recordsCsv } from '../csv';
import { formatBoboLocal, formatDateTime, formatDuration, plural, sameZone } from '../format';

const STATE_TEXT: Record<RecordRowDto['state'], { icon: string; text: string }> = {
  pending: { icon: '…', text: 'Waiting (will retry)' },
  applied: { icon: '✔', text: 'Applied' },
  rejected: { icon: '✖', text: 'Refused by AtHoc' },
  superseded: { icon: '↷', text: 'Replaced by a later line' },
  skipped_older: { icon: '↶', text: 'Skipped: older than what AtHoc has' },
  unmapped: { icon: '?', text: 'Unknown person' },
  invalid: { icon: '✖', text: 'Unreadable line' },
};

const BATCH_TEXT: Record<BatchRowDto['status'], { icon: string; text: string }> = {
  running: { icon: '⟳', text: 'Running' },
  succeeded: { icon: '✔', text: 'Done' },
  partial: { icon: '▲', text: 'Partly applied' },
  failed: { icon: '✖', text: 'Failed' },
  interrupted: { icon: '■', text: 'Interrupted' },
};

function StateLabel({ icon, text, kind }: { icon: string; text: string; kind: string }) {
  return (
    <span class={`state state-${kind}`}>
      <span aria-hidden="true">{icon} </span>
      {text}
    </span>
  );
}

const duty = (r: RecordRowDto) => (r.duty === null ? '—' : r.duty === 'book_on' ? 'Booked on' : 'Booked off');

/** Newest first (by the BOBO time, then by journal order). */
export function newestFirst(records: readonly RecordRowDto[]): RecordRowDto[] {
  return [...records].sort((a, b) => (b.at ?? '').localeCompare(a.at ?? '') || b.id - a.id);
}

function RecordsTable({ records, caption, showFile }: { records: RecordRowDto[]; caption: string; showFile?: boolean }) {
  const { info, zone } = useApp();
  const bobo = info?.boboTimeZone ?? zone;
  const showBobo = !sameZone(zone, bobo);
  return (
    <div class="table-wrap">
      <table class="records stack">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Result</th>
            <th scope="col">When</th>
            <th scope="col">Person</th>
            <th scope="col">Booked</th>
            <th scope="col" class="col-extra">
              {showFile ? 'File, line' : 'Line'}
            </th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr data-record={r.id}>
              <td data-label="Result">
                <StateLabel kind={r.state} {...STATE_TEXT[r.state]} />
                {r.attempts > 1 ? ` (${r.attempts} tries)` : ''}
              </td>
              <td data-label="When">
                {r.at ? <Time iso={r.at} short /> : '—'}
                {showBobo && r.local && <div class="muted">BOBO: {formatBoboLocal(r.local, bobo)}</div>}
              </td>
              <td data-label="Person">
                {r.employee ?? '—'}
                {r.login && <div class="muted">{r.login}</div>}
              </td>
              <td data-label="Booked">{duty(r)}</td>
              <td data-label={showFile ? 'File, line' : 'Line'} class="col-extra">
                {showFile ? `${r.source.file}, line ${r.source.line}` : r.source.line}
              </td>
              <td data-label="Details" class="wrap">
                {r.details ?? (r.state === 'applied' ? '' : r.reason)}
                {r.details && r.state !== 'applied' && <div class="muted">{r.reason}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "bobo_0301.csv", "bobo_0301.csv and 2 more files". */
function filesText(files: readonly string[]): string {
  if (files.length === 0) return 'no file';
  return files.length === 1 ? files[0]! : `${files[0]} and ${plural(files.length - 1, 'more file')}`;
}

function BatchDetail({ batch, onClose }: { batch: BatchRowDto; onClose: () => void }) {
  const [records, setRecords] = useState<RecordRowDto[] | null>(null);
  const act = useAction();
  const { info } = useApp();
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => void act.run(async () => setRecords(await api.getBatchRecords(batch.id))), [batch.id]);
  useEffect(() => document.getElementById('batch-detail-h')?.focus(), []);
  const files = batch.files.length ? batch.files : [...new Set(records?.map((r) => r.source.file) ?? [])];
  const s = BATCH_TEXT[batch.status];
  return (
    <section class="batch-detail" aria-labelledby="batch-detail-h" data-batch-detail={batch.id}>
      <h2 id="batch-detail-h" tabIndex={-1}>
        {filesText(files)}, synced <Time iso={batch.startedAt} short />
      </h2>
      <p>
        <StateLabel kind={batch.status} {...s} /> · {plural(batch.counts.set, 'person', 'people')} booked on,{' '}
        {batch.counts.cleared} booked off · took {formatDuration(batch.startedAt, batch.finishedAt)}
      </p>
      <div class="actions">
        <button type="button" onClick={onClose}>
          Back to history
        </button>
        <button
          type="button"
          disabled={!records?.length}
          onClick={() =>
            void act.run(async () => setSaved(await api.saveCsv(`bobosync-sync-${batch.id}.csv`, recordsCsv(records ?? [], info?.boboTimeZone ?? 'local'))))
          }
        >
          Export as CSV
        </button>
      </div>
      {batch.error && <Notice tone="error">{batch.error}</Notice>}
      <div aria-live="polite">
        {saved && <Notice tone="ok">Saved to {saved}</Notice>}
        <ActionError act={act} />
      </div>
      {records && records.length === 0 && <p class="empty">No lines were read from {filesText(files)}.</p>}
      {records &&
        files.map((f) => {
          const rs = records.filter((r) => r.source.file === f);
          return rs.length ? <RecordsTable caption={`${f} (${plural(rs.length, 'line')})`} records={rs} /> : null;
        })}
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
  const { info, zone } = useApp();
  const load = (w: string | null) =>
    void act.run(async () => {
      setSaved(null);
      setData(await api.getHistory({ who: w, limit: 200 }));
      setSearched(w);
    });
  useEffect(() => load(searched), [revision]);

  if (open)
    return (
      <BatchDetail
        batch={open}
        onClose={() => {
          const id = open.id;
          setOpen(null);
          requestAnimationFrame(() => (document.querySelector(`[data-batch="${id}"] button`) as HTMLElement | null)?.focus());
        }}
      />
    );

  const exportable = data !== null && (searched !== null ? data.records.length > 0 : data.batches.length > 0);
  const exportCsv = () =>
    void act.run(async () => {
      if (!data) return;
      const path =
        searched !== null
          ? await api.saveCsv(`bobosync-${searched}.csv`, recordsCsv(newestFirst(data.records), info?.boboTimeZone ?? 'local'))
          : await api.saveCsv('bobosync-history.csv', batchesCsv(data.batches));
      setSaved(path);
    });
  const nothingYet = data !== null && searched === null && data.batches.length === 0 && data.failedRuns.length === 0;

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
        <button type="button" onClick={exportCsv} disabled={!exportable} title={exportable ? undefined : 'Nothing to export yet'}>
          Export as CSV
        </button>
      </form>
      <div aria-live="polite">
        <ActionError act={act} />
        {saved && <Notice tone="ok">Saved to {saved}</Notice>}
        {data && searched !== null && data.records.length === 0 && (
          <div class="empty" data-testid="history-empty">
            <p>
              <strong>No history for {searched}.</strong> Check the employee ID (collar number) or the AtHoc login.
            </p>
          </div>
        )}
      </div>
      {nothingYet && (
        <div class="empty" data-testid="history-empty">
          <p>
            <strong>Nothing synced yet</strong> — files dropped in <code>{info?.folders.drop ?? 'the drop folder'}</code> appear here.
          </p>
          <button type="button" onClick={() => void act.run(() => api.openFolder('drop'))}>
            Open drop folder
          </button>
        </div>
      )}
      {data && searched !== null && data.records.length > 0 && (
        <RecordsTable
          caption={`Timeline of ${searched}: ${plural(data.records.length, 'line')}, newest first`}
          records={newestFirst(data.records)}
          showFile
        />
      )}
      {data && searched === null && data.failedRuns.length > 0 && (
        <div class="table-wrap">
          <table class="failed-runs stack">
            <caption>Syncs that could not start ({data.failedRuns.length})</caption>
            <thead>
              <tr>
                <th scope="col">What failed</th>
                <th scope="col">First</th>
                <th scope="col">Last</th>
                <th scope="col">Times</th>
              </tr>
            </thead>
            <tbody>
              {data.failedRuns.map((f) => (
                <tr>
                  <td data-label="What failed" class="wrap">
                    <span aria-hidden="true" class="state-failed">
                      ✖{' '}
                    </span>
                    {f.file ? `${f.file}: ` : ''}
                    {f.message}
                  </td>
                  <td data-label="First">
                    <Time iso={f.firstAt} short />
                  </td>
                  <td data-label="Last">
                    <Time iso={f.lastAt} short />
                  </td>
                  <td data-label="Times">{f.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && searched === null && data.batches.length > 0 && (
        <div class="table-wrap">
          <table class="batches stack">
            <caption>Recent syncs ({data.batches.length}); open one to see who was booked on and off</caption>
            <thead>
              <tr>
                <th scope="col">Result</th>
                <th scope="col">When</th>
                <th scope="col">Files</th>
                <th scope="col">Booked on</th>
                <th scope="col">Booked off</th>
                <th scope="col">Not applied</th>
                <th scope="col" class="col-extra">
                  Took
                </th>
                <th scope="col">
                  <span class="sr-only">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.batches.map((b) => {
                const c = b.counts;
                const notApplied = c.unmapped + c.failed + c.rejected + c.invalid;
                const label = `Open ${filesText(b.files)}, ${formatDateTime(b.startedAt, zone)}`;
                return (
                  <tr data-batch={b.id} class="opens" onClick={() => setOpen(b)}>
                    <td data-label="Result">
                      <StateLabel kind={b.status} {...BATCH_TEXT[b.status]} />
                    </td>
                    <td data-label="When">
                      <Time iso={b.startedAt} short />
                    </td>
                    <td data-label="Files" class="wrap">
                      {b.files.join(', ') || '—'}
                    </td>
                    <td data-label="Booked on">{c.set}</td>
                    <td data-label="Booked off">{c.cleared}</td>
                    <td data-label="Not applied">
                      {notApplied}
                      {c.unmapped ? <div class="muted">{c.unmapped} unknown</div> : null}
                      {c.rejected ? <div class="muted">{c.rejected} refused</div> : null}
                    </td>
                    <td data-label="Took" class="col-extra nowrap">
                      {formatDuration(b.startedAt, b.finishedAt)}
                    </td>
                    <td class="open-cell">
                      <button
                        type="button"
                        aria-label={label}
                        onClick={(e) => {
                          e.stopPropagation();
                          setOpen(b);
                        }}
                      >
                        Open
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
