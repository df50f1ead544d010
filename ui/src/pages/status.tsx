/** Status page: health, the facts behind it, the actions of the tray menu,
 * pending approvals with exactly what they would change, recent activity. */
import { useState } from 'preact/hooks';
import * as api from '../api';
import type { ApprovalDto, CycleReportDto, FailedFileDto, StatusDto } from '../api';
import { describeApproval } from '../approvals';
import { ActionError, HealthBadge, Notice, Time, useAction, useApp } from '../components';
import type { Activity } from '../state';

function CycleSummary({ report }: { report: CycleReportDto }) {
  const t = report.batches.reduce(
    (a, b) => ({ files: a.files + b.files.length, set: a.set + b.set, cleared: a.cleared + b.cleared, failed: a.failed + b.failed + b.rejected }),
    { files: 0, set: 0, cleared: 0, failed: 0 },
  );
  const tone = report.failures.length ? 'error' : report.warnings.length || report.approvalsNeeded.length ? 'warn' : 'ok';
  return (
    <Notice tone={tone}>
      Sync finished: {report.batches.length} batch(es), {t.files} file(s), {t.set} set, {t.cleared} cleared, {t.failed} failed.
      {[...report.failures, ...report.warnings, ...report.approvalsNeeded.map((a) => `Approval needed: ${a}`)].map((m) => (
        <div>{m}</div>
      ))}
    </Notice>
  );
}

function Approval({ approval, onDone }: { approval: ApprovalDto; onDone: () => void }) {
  const changes = describeApproval(approval.kind, approval.payload);
  const act = useAction();
  const title =
    approval.kind === 'mass_clear' ? 'Mass clear of duty values' : approval.kind === 'mapping_purge' ? 'Mapping purge' : 'Writing BOBO\'s duty status';
  const n = changes.items.length;
  return (
    <article class="approval" aria-labelledby={`appr-${approval.id}`}>
      <h3 id={`appr-${approval.id}`}>
        <span aria-hidden="true">▲ </span>
        {title}: {approval.summary}
      </h3>
      <p>
        Asked <Time iso={approval.createdAt} full />. Approving carries out exactly these {n || ''} changes:
      </p>
      {changes.raw !== null ? (
        <pre class="changes" tabIndex={0} aria-label="What would change (raw)">{changes.raw}</pre>
      ) : (
        <ul class="changes" tabIndex={0} aria-label={`What would change: ${n} items`}>
          {changes.items.map((c) => (
            <li>{c}</li>
          ))}
        </ul>
      )}
      <div class="actions">
        <button type="button" class="primary" disabled={act.busy} onClick={() => void act.run(() => api.approveChange(approval.id)).then(onDone)}>
          Approve
        </button>
        <button type="button" disabled={act.busy} onClick={() => void act.run(() => api.rejectChange(approval.id)).then(onDone)}>
          Reject
        </button>
      </div>
      <ActionError act={act} />
    </article>
  );
}

/** One failed file: why, and the two ways out. Dismissing asks once more,
 * since its events then stay unapplied for good. */
function FailedFile({ file, onDone }: { file: FailedFileDto; onDone: () => void }) {
  const act = useAction();
  const [confirming, setConfirming] = useState(false);
  const id = `failed-${file.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <article class="failed-file" aria-labelledby={id}>
      <h3 id={id}>
        <span aria-hidden="true">✖ </span>
        {file.name}
      </h3>
      <p>
        Moved to the failed folder <Time iso={file.failedAt} />.
      </p>
      {file.reason && (
        <pre class="reason" tabIndex={0} aria-label={`Why ${file.name} failed`}>
          {file.reason}
        </pre>
      )}
      <div class="actions">
        {confirming ? (
          <>
            <span>Dismiss {file.name}? Its events will never be applied.</span>
            <button type="button" disabled={act.busy} onClick={() => void act.run(() => api.dismissFailedFiles([file.name])).then(onDone)}>
              Yes, dismiss
            </button>
            <button type="button" disabled={act.busy} onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <>
            <button type="button" class="primary" disabled={act.busy} onClick={() => void act.run(() => api.retryFailedFiles([file.name])).then(onDone)}>
              Retry
            </button>
            <button type="button" disabled={act.busy} onClick={() => setConfirming(true)}>
              Dismiss…
            </button>
          </>
        )}
      </div>
      <ActionError act={act} />
    </article>
  );
}

export function StatusPage({
  status,
  approvals,
  failedFiles,
  activity,
  onStatus,
  reload,
}: {
  status: StatusDto | null;
  approvals: ApprovalDto[];
  failedFiles: FailedFileDto[];
  activity: Activity[];
  onStatus: (s: StatusDto) => void;
  reload: () => void;
}) {
  const { info } = useApp();
  const act = useAction();
  const [report, setReport] = useState<CycleReportDto | null>(null);
  const [note, setNote] = useState<string | null>(null);
  if (!status) return <p>Loading status…</p>;

  const sync = () =>
    void act.run(async () => {
      setNote(null);
      setReport(null);
      const r = await api.syncNow();
      setReport(r);
      reload();
    });
  const mappings = () =>
    void act.run(async () => {
      setReport(null);
      const r = await api.syncMappingsNow();
      setNote(
        `User mapping sync: ${r.usersFetched} users fetched, ${r.mapped} mapped (${r.added} added, ${r.changed} changed, ${r.removed} removed)` +
          (r.duplicates.length ? `; duplicate collar numbers not mapped: ${r.duplicates.join(', ')}` : '') +
          (r.applied ? '.' : '; not applied (waiting for approval).'),
      );
      reload();
    });
  const togglePause = () => void act.run(async () => onStatus(await (status.paused ? api.resume() : api.pause())));
  const open = (name: api.FolderName) => void act.run(() => api.openFolder(name));

  return (
    <div class="status-page">
      <section class="health-card" aria-labelledby="health-h">
        <h2 id="health-h">Health</h2>
        <p class="health-line">
          <HealthBadge health={status.health} /> <span class="reason">{status.reason}</span>
        </p>
        <p class="since">
          Since <Time iso={status.since} />
          {status.mode === 'demo' && <strong class="demo-tag"> · Demo: built-in simulator, sample data</strong>}
        </p>
      </section>
      <dl class="facts">
        <dt>Last file seen</dt>
        <dd>
          {status.lastFileSeen ? (
            <>
              {/* The engine does not name the file yet: the name is then empty. */}
              {status.lastFileSeen.name || 'a file'} at <Time iso={status.lastFileSeen.at} />
            </>
          ) : (
            'none yet'
          )}
        </dd>
        <dt>Last successful sync</dt>
        <dd>
          <Time iso={status.lastSuccess} />
        </dd>
        <dt>Next user mapping sync</dt>
        <dd>{status.nextMappingSync ? <Time iso={status.nextMappingSync} /> : 'disabled'}</dd>
        <dt>Files waiting</dt>
        <dd data-testid="pending-files">{status.pendingFiles}</dd>
        <dt>Syncing</dt>
        <dd>{status.paused ? '❚❚ Paused' : '▶ Running'}</dd>
        <dt>Approvals waiting</dt>
        <dd>{status.pendingApprovals}</dd>
        <dt>Duty values that differ from BOBO</dt>
        <dd data-testid="drift">
          {status.drift === null
            ? 'not compared yet'
            : status.drift === 0
              ? 'none'
              : `${status.drift} ${status.drift === 1 ? 'person' : 'people'} — see Field-mapping checks; \`bobosync reconcile --fix\` writes BOBO's duty status`}
        </dd>
      </dl>
      <div class="actions" role="group" aria-label="Actions">
        <button type="button" class="primary" onClick={sync} disabled={act.busy}>
          Sync now
        </button>
        <button type="button" onClick={togglePause} disabled={act.busy}>
          {status.paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={mappings} disabled={act.busy}>
          Sync user mappings now
        </button>
        <button type="button" onClick={() => open('drop')} title={info?.folders.drop}>
          Open drop folder
        </button>
        <button type="button" onClick={() => open('logs')} title={info?.folders.logs}>
          Open logs folder
        </button>
      </div>
      <div aria-live="polite">
        {act.busy && <p class="busy">Working…</p>}
        <ActionError act={act} />
        {report && <CycleSummary report={report} />}
        {note && <Notice tone="info">{note}</Notice>}
      </div>
      {failedFiles.length > 0 && (
        <section aria-labelledby="failed-h">
          <h2 id="failed-h">Files not applied ({failedFiles.length})</h2>
          <p>
            These files are in the failed folder: their events were never applied, and BoboSync keeps saying so until
            you act. Fix the cause, then <strong>Retry</strong> puts a file back into the drop folder to be applied
            again; <strong>Dismiss</strong> keeps it in <code>failed/dismissed</code> and stops reporting it.
          </p>
          <div class="actions">
            <button type="button" onClick={() => open('failed')} title={info?.folders.failed}>
              Open failed folder
            </button>
            {failedFiles.length > 1 && (
              <button type="button" disabled={act.busy} onClick={() => void act.run(() => api.retryFailedFiles(null)).then(reload)}>
                Retry all {failedFiles.length}
              </button>
            )}
          </div>
          {failedFiles.map((f) => (
            <FailedFile key={f.name} file={f} onDone={reload} />
          ))}
        </section>
      )}
      <section aria-labelledby="approvals-h">
        <h2 id="approvals-h">Waiting for approval ({approvals.length})</h2>
        {approvals.length === 0 ? <p>Nothing waits for approval.</p> : approvals.map((a) => <Approval approval={a} onDone={reload} />)}
      </section>
      <section aria-labelledby="activity-h">
        <h2 id="activity-h">Recent activity</h2>
        {activity.length === 0 ? (
          <p>Nothing yet since this window opened.</p>
        ) : (
          <ul class="activity">
            {activity.map((a) => (
              <li class={`tone-${a.tone}`}>
                <span aria-hidden="true">{a.tone === 'error' ? '✖ ' : a.tone === 'warn' ? '▲ ' : '• '}</span>
                <Time iso={a.at} /> — {a.text}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
