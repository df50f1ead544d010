/** Status page: health, the facts behind it, the actions of the tray menu,
 * pending approvals with exactly what they would change, recent activity. */
import { useRef, useState } from 'preact/hooks';
import * as api from '../api';
import type { ApprovalDto, CycleReportDto, FailedFileDto, StatusDto } from '../api';
import { approvalSample, describeApproval } from '../approvals';
import { ActionError, HealthBadge, Notice, Time, useAction, useApp } from '../components';
import { plural } from '../format';
import type { Activity } from '../state';

function CycleSummary({ report }: { report: CycleReportDto }) {
  const t = report.batches.reduce(
    (a, b) => ({ files: a.files + b.files.length, set: a.set + b.set, cleared: a.cleared + b.cleared, failed: a.failed + b.failed + b.rejected }),
    { files: 0, set: 0, cleared: 0, failed: 0 },
  );
  const tone = report.failures.length ? 'error' : report.warnings.length || report.approvalsNeeded.length ? 'warn' : 'ok';
  return (
    <Notice tone={tone}>
      Sync finished: {plural(t.files, 'file')}, {plural(t.set, 'person', 'people')} booked on, {t.cleared} booked off,{' '}
      {t.failed === 0 ? 'nothing failed' : `${t.failed} not applied`}.
      {[...report.failures, ...report.warnings, ...report.approvalsNeeded.map((a) => `Approval needed: ${a}`)].map((m) => (
        <div>{m}</div>
      ))}
    </Notice>
  );
}

const APPROVAL_TITLE: Record<ApprovalDto['kind'], string> = {
  mass_clear: 'Mass clear of duty values',
  mapping_purge: 'Mapping purge',
  reconcile_fix: "Writing BOBO's duty status",
};

/** What approving does, in words: "clears the duty values of 12 people". */
function whatItDoes(approval: ApprovalDto): string {
  const s = approvalSample(approval.kind, approval.payload);
  if (s.count === null) return 'carries out the change shown on the page (it could not be read into a list)';
  const who = s.names.join(', ') + (s.more ? `, and ${s.more} more` : '');
  if (approval.kind === 'mapping_purge') return `changes ${plural(s.count, 'mapping')}: ${who}`;
  const people = plural(s.count, 'person', 'people');
  return approval.kind === 'mass_clear' ? `clears the duty values of ${people}: ${who}` : `writes BOBO's duty status for ${people}: ${who}`;
}

/** A pending approval: exactly what it would change, and Approve / Reject,
 * which ask once more in a dialog (count, names, what Reject means). */
function Approval({ approval, onDecided }: { approval: ApprovalDto; onDecided: (message: string) => void }) {
  const changes = describeApproval(approval.kind, approval.payload);
  const act = useAction();
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement | null>(null);
  const decided = useRef(false);
  const title = APPROVAL_TITLE[approval.kind] ?? approval.kind;
  const n = changes.items.length;
  const count = approvalSample(approval.kind, approval.payload).count;
  const hid = `appr-${approval.id}`;
  const ask = (e: Event) => {
    opener.current = e.currentTarget as HTMLButtonElement;
    decided.current = false;
    act.setError(null);
    const d = dialog.current;
    if (!d) return;
    if (typeof d.showModal === 'function') d.showModal();
    else d.setAttribute('open', '');
    d.querySelector('button')?.focus();
  };
  const close = () => {
    const d = dialog.current;
    if (d && typeof d.close === 'function') d.close();
    else d?.removeAttribute('open');
  };
  const decide = (approve: boolean) =>
    void act
      .run(async () => {
        await (approve ? api.approveChange(approval.id) : api.rejectChange(approval.id));
        return true;
      })
      .then((ok) => {
        if (!ok) return;
        decided.current = true;
        close();
        onDecided(
          approve
            ? `Approved: ${title} (${count === null ? 'the change shown' : plural(count, 'change')}). It is carried out in the next sync.`
            : `Rejected: ${title}. Nothing changed; the change will not be carried out.`,
        );
      });
  return (
    <article class="approval" aria-labelledby={hid}>
      <h3 id={hid}>
        <span aria-hidden="true">▲ </span>
        {title}: {approval.summary}
      </h3>
      <p>
        Asked <Time iso={approval.createdAt} />. Approving carries out exactly {n ? `these ${n} changes` : 'this change'}:
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
        <button type="button" class="primary" disabled={act.busy} onClick={ask}>
          Approve…
        </button>
        <button type="button" disabled={act.busy} onClick={ask}>
          Reject…
        </button>
      </div>
      <dialog
        ref={dialog}
        class="confirm"
        aria-labelledby={`${hid}-q`}
        aria-describedby={`${hid}-what`}
        onClose={() => {
          if (!decided.current && opener.current?.isConnected) opener.current.focus();
        }}
      >
        <h2 id={`${hid}-q`}>{title}: approve or reject?</h2>
        <p id={`${hid}-what`}>
          <strong>Approve</strong> {whatItDoes(approval)}. It is carried out in the next sync.
        </p>
        <p>
          <strong>Reject</strong> changes nothing: the change is not carried out, and this request is removed.
        </p>
        <ActionError act={act} />
        <div class="actions">
          <button type="button" disabled={act.busy} onClick={close}>
            Cancel
          </button>
          <button type="button" disabled={act.busy} onClick={() => decide(false)}>
            Reject
          </button>
          <button type="button" class="primary" disabled={act.busy} onClick={() => decide(true)}>
            Approve {count === null ? '' : plural(count, 'change')}
          </button>
        </div>
      </dialog>
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
  const [decision, setDecision] = useState<string | null>(null);
  const approvalsHeading = useRef<HTMLHeadingElement>(null);
  if (!status) return <p>Loading status…</p>;

  const sync = () =>
    void act.run(async () => {
      setNote(null);
      setDecision(null);
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
          Since <Time iso={status.since} short />
          {status.mode === 'demo' && <strong class="demo-tag"> · Demo: built-in simulator, sample data</strong>}
        </p>
      </section>
      <dl class="facts">
        <dt>Last file seen</dt>
        <dd>
          {status.lastFileSeen ? (
            <>
              {/* The engine does not name the file yet: the name is then empty. */}
              {status.lastFileSeen.name || 'a file'}, <Time iso={status.lastFileSeen.at} />
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
        {decision && <Notice tone="ok">{decision}</Notice>}
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
        <h2 id="approvals-h" tabIndex={-1} ref={approvalsHeading}>
          Waiting for approval ({approvals.length})
        </h2>
        {approvals.length === 0 ? (
          <p>Nothing waits for approval.</p>
        ) : (
          approvals.map((a) => (
            <Approval
              key={a.id}
              approval={a}
              onDecided={(message) => {
                setDecision(message);
                reload();
                // The approval is gone: focus goes to its section, not the page body.
                requestAnimationFrame(() => approvalsHeading.current?.focus());
              }}
            />
          ))
        )}
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
