/** Status page: health, the facts behind it, the actions of the tray menu,
 * pending approvals with exactly what they would change, recent activity. */
import { useState } from 'preact/hooks';
import * as api from '../api';
import type { ApprovalDto, CycleReportDto, StatusDto } from '../api';
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
  const title = approval.kind === 'mass_clear' ? 'Mass clear of duty values' : 'Mapping purge';
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

export function StatusPage({
  status,
  approvals,
  activity,
  onStatus,
  reload,
}: {
  status: StatusDto | null;
  approvals: ApprovalDto[];
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
