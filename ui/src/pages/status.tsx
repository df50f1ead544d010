/** Status page: one headline for the whole state (with what waits and the
 * one button for each), which AtHoc as whom, the actions of the tray menu,
 * pending approvals with exactly what they would change, failed files,
 * recent activity, and the facts behind it all. */
import { useRef, useState } from 'preact/hooks';
import * as api from '../api';
import type { ApprovalDto, CycleReportDto, FailedFileDto, IncidentDto, StatusDto } from '../api';
import { approvalSample, describeApproval } from '../approvals';
import { ActionError, Notice, Time, useAction, useApp } from '../components';
import { headline, TONE, type FixAction, type Headline } from '../headline';
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
      <h3 id={hid} tabIndex={-1}>
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

/** The headline: one sentence, the progress of a running sync, which AtHoc
 * as whom, and every waiting thing with its one button. */
function HeadlineCard({ h, onFix, busy }: { h: Headline; onFix: (a: FixAction) => void; busy: boolean }) {
  const { info } = useApp();
  const t = TONE[h.tone];
  const c = info?.connection ?? null;
  const p = h.progress;
  return (
    <section class={`headline hl-${h.tone}`} data-tone={h.tone} aria-labelledby="headline-text">
      <h2 id="headline-text" class="headline-text">
        <span aria-hidden="true" class="icon">
          {t.icon}
        </span>{' '}
        {h.text}
        {h.time && (
          <span class="headline-time">
            {' '}
            · {h.time.label} <Time iso={h.time.iso} />
          </span>
        )}
      </h2>
      {p && (
        <div class="progress-row" data-testid="sync-progress">
          {p.total > 0 ? (
            <progress id="sync-progress" max={p.total} value={p.answered} aria-label="Updates sent" />
          ) : (
            <progress id="sync-progress" aria-label="Sync running" />
          )}
          {/* The headline says it already, unless something waits (then it says that). */}
          {h.tone !== 'syncing' && (
            <span>
              {p.total > 0 ? `Sending ${p.answered.toLocaleString('en-GB')} of ${p.total.toLocaleString('en-GB')} updates` : 'Syncing…'}
            </span>
          )}
        </div>
      )}
      <p class="connection" data-testid="connection">
        {info?.mode === 'demo' ? (
          <>Connected to the built-in simulator (demo, sample data) — not to a real AtHoc</>
        ) : c ? (
          <>
            Connected to <strong>{c.server}</strong> · {c.org} as <strong>{c.user}</strong>
          </>
        ) : (
          'Not connected to AtHoc yet'
        )}
      </p>
      {h.items.length > 0 && (
        <ul class="waiting" aria-label="Waiting for you">
          {h.items.map((i) => (
            <li key={i.key} class={`waiting-${i.severity}`} data-item={i.key}>
              <span class="waiting-text" id={`w-${i.key}`}>
                <span aria-hidden="true">{i.severity === 'error' ? '✖ ' : '▲ '}</span>
                {i.text}
              </span>
              <button
                type="button"
                aria-describedby={`w-${i.key}`}
                disabled={busy && i.action.kind === 'retry'}
                onClick={() => onFix(i.action)}
              >
                {i.action.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function StatusPage({
  status,
  approvals,
  failedFiles,
  incidents,
  sending,
  activity,
  onStatus,
  reload,
}: {
  status: StatusDto | null;
  approvals: ApprovalDto[];
  failedFiles: FailedFileDto[];
  incidents: IncidentDto[];
  sending: { answered: number; total: number } | null;
  activity: Activity[];
  onStatus: (s: StatusDto) => void;
  reload: () => void;
}) {
  const { info, navigate } = useApp();
  const act = useAction();
  const [report, setReport] = useState<CycleReportDto | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [decision, setDecision] = useState<string | null>(null);
  const [syncing, setSyncing] = useState(false);
  const approvalsHeading = useRef<HTMLHeadingElement>(null);
  if (!status) return <p>Loading status…</p>;
  const h = headline(status, sending, approvals, failedFiles, incidents, syncing);

  const sync = () => {
    setSyncing(true);
    void act
      .run(async () => {
        setNote(null);
        setDecision(null);
        setReport(null);
        const r = await api.syncNow();
        setReport(r);
        reload();
      })
      .finally(() => setSyncing(false));
  };
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
  const fix = (a: FixAction) => {
    switch (a.kind) {
      case 'approval': {
        const el = document.getElementById(`appr-${a.id}`);
        el?.scrollIntoView({ block: 'start', behavior: 'smooth' });
        el?.focus({ preventScroll: true });
        return;
      }
      case 'retry':
        void act.run(async () => {
          const names = await api.retryFailedFiles(null);
          setNote(`Back in the drop folder, to be applied in the next sync: ${names.join(', ')}.`);
          reload();
        });
        return;
      case 'openFailed':
        open('failed');
        return;
      case 'settings':
        navigate?.('settings');
        return;
      case 'review':
        navigate?.(a.page);
        return;
    }
  };

  return (
    <div class="status-page">
      <HeadlineCard h={h} onFix={fix} busy={act.busy} />
      <div class="actions" role="group" aria-label="Actions">
        <button type="button" class="primary" onClick={sync} disabled={act.busy || h.busy} aria-describedby={h.busy ? 'sync-progress' : undefined}>
          Sync now
        </button>
        <button type="button" onClick={togglePause} disabled={act.busy}>
          {status.paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={mappings} disabled={act.busy || h.busy}>
          Sync user mappings now
        </button>
        <button type="button" onClick={() => open('drop')} title={info?.folders.drop}>
          Open drop folder
        </button>
        <button type="button" onClick={() => open('logs')} title={info?.folders.logs}>
          Open logs folder
        </button>
      </div>
      <div aria-live="polite" class="results">
        {act.busy && !syncing && <p class="busy">Working…</p>}
        <ActionError act={act} />
        {report && <CycleSummary report={report} />}
        {note && <Notice tone="info">{note}</Notice>}
        {decision && <Notice tone="ok">{decision}</Notice>}
      </div>
      {approvals.length > 0 || decision ? (
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
      ) : null}
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
      <section aria-labelledby="activity-h">
        <h2 id="activity-h">Recent activity</h2>
        {activity.length === 0 ? (
          <p>
            Nothing yet. Every sync ever run is in{' '}
            <button type="button" class="link" onClick={() => navigate?.('history')}>
              History
            </button>
            .
          </p>
        ) : (
          <ul class="activity">
            {activity.map((a) => (
              <li class={`tone-${a.tone}`}>
                <span aria-hidden="true">{a.tone === 'error' ? '✖ ' : a.tone === 'warn' ? '▲ ' : '• '}</span>
                <span class="activity-time">
                  <Time iso={a.at} />
                </span>{' '}
                {a.text}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="details-h">
        <h2 id="details-h">Details</h2>
        <dl class="facts">
          <dt>Engine</dt>
          <dd>
            {status.reason} (since <Time iso={status.since} short />)
          </dd>
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
      </section>
    </div>
  );
}
