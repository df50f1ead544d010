/**
 * The Status page's headline: one plain sentence for the whole state, its
 * tone (always with an icon and a word, never colour alone), a progress
 * while updates are sent, and each waiting thing with the ONE button that
 * fixes or opens it. The header badge shows the same tone. Pure.
 */
import type { ApprovalDto, FailedFileDto, IncidentDto, StatusDto } from './api';
import { plural } from './format';

export type Tone = 'ok' | 'syncing' | 'paused' | 'attention' | 'error';

/** What a waiting thing's button does. */
export type FixAction =
  | { kind: 'approval'; label: 'Review approval'; id: number }
  | { kind: 'retry'; label: 'Retry failed files' }
  | { kind: 'openFailed'; label: 'Open failed folder' }
  | { kind: 'settings'; label: 'Open Settings' }
  | { kind: 'review'; label: 'Review'; page: 'history' | 'checks' };

export interface WaitingItem {
  /** Stable key (`approval-7`, `failed`, `incident-3`, `health`). */
  key: string;
  text: string;
  severity: 'warn' | 'error';
  action: FixAction;
}

export interface Headline {
  tone: Tone;
  /** The sentence, e.g. `Up to date`, `Sending 1,200 of 4,900 updates`. */
  text: string;
  /** A time after the sentence (`· last file applied 2 min ago`): the
   * words before it, and the instant (shown relative by the UI). */
  time: { label: string; iso: string } | null;
  /** While updates are sent (or a sync runs without a count yet: total 0). */
  progress: { answered: number; total: number } | null;
  /** Whether a sync is running (Sync now is then disabled). */
  busy: boolean;
  items: WaitingItem[];
}

/** The header badge's icon and word for each tone. */
export const TONE: Record<Tone, { icon: string; word: string }> = {
  ok: { icon: '●', word: 'OK' },
  syncing: { icon: '⟳', word: 'Syncing' },
  paused: { icon: '❚❚', word: 'Paused' },
  attention: { icon: '▲', word: 'Needs attention' },
  error: { icon: '✖', word: 'Needs attention' },
};

const count = (n: number) => n.toLocaleString('en-GB');

/** Incident kinds fixed in Settings (the credentials, the server, the route to it). */
const SETTINGS_KINDS = new Set(['auth_rejected', 'unreachable', 'invalid_settings', 'not_configured', 'keyring_unavailable']);
/** Incident kinds the field-mapping checks explain. */
const CHECK_KINDS = new Set(['check_failing', 'mappings_not_synced', 'mapping_sync_failed']);

function incidentAction(kind: string): FixAction {
  if (SETTINGS_KINDS.has(kind)) return { kind: 'settings', label: 'Open Settings' };
  if (CHECK_KINDS.has(kind)) return { kind: 'review', label: 'Review', page: 'checks' };
  return { kind: 'review', label: 'Review', page: 'history' };
}

/** Everything that waits for the operator, each with its one button. */
export function waitingItems(
  status: StatusDto | null,
  approvals: ApprovalDto[],
  failedFiles: FailedFileDto[],
  incidents: IncidentDto[],
): WaitingItem[] {
  const items: WaitingItem[] = approvals.map((a) => ({
    key: `approval-${a.id}`,
    text: `Waiting for approval: ${a.summary}`,
    severity: 'warn',
    action: { kind: 'approval', label: 'Review approval', id: a.id },
  }));
  if (failedFiles.length > 0) {
    items.push({
      key: 'failed',
      text:
        failedFiles.length === 1
          ? `${failedFiles[0]?.name} was not applied (in the failed folder)`
          : `${plural(failedFiles.length, 'file')} not applied (in the failed folder)`,
      severity: 'error',
      action: { kind: 'retry', label: 'Retry failed files' },
    });
  }
  for (const i of incidents) {
    // These two are already listed above, by name.
    if (i.kind === 'approval_needed' && approvals.length > 0) continue;
    if (i.kind === 'files_failed' && failedFiles.length > 0) continue;
    items.push({
      key: `incident-${i.id}`,
      text: i.summary,
      severity: i.severity === 'error' ? 'error' : 'warn',
      action: i.kind === 'files_failed' ? { kind: 'openFailed', label: 'Open failed folder' } : incidentAction(i.kind),
    });
  }
  // The engine says something is wrong but nothing above says what: its reason.
  if (items.length === 0 && status && (status.health === 'warning' || status.health === 'error')) {
    items.push({
      key: 'health',
      text: status.reason,
      severity: status.health === 'error' ? 'error' : 'warn',
      action: { kind: 'review', label: 'Review', page: 'history' },
    });
  }
  return items;
}

export function headline(
  status: StatusDto,
  sending: { answered: number; total: number } | null,
  approvals: ApprovalDto[],
  failedFiles: FailedFileDto[],
  incidents: IncidentDto[],
  /** The operator's Sync now is in flight. */
  syncRequested = false,
): Headline {
  const items = waitingItems(status, approvals, failedFiles, incidents);
  const busy = status.health === 'syncing' || sending !== null || syncRequested;
  const progress = sending ?? (busy ? { answered: 0, total: 0 } : null);
  const lastApplied = status.lastSuccess ? { label: 'last file applied', iso: status.lastSuccess } : null;
  if (items.length > 0) {
    const error = items.some((i) => i.severity === 'error') || status.health === 'error';
    const what = items.length === 1 ? '1 thing waits for you' : `${items.length} things wait for you`;
    return { tone: error ? 'error' : 'attention', text: `Needs attention — ${what}`, time: null, progress, busy, items };
  }
  if (busy) {
    const text = sending
      ? `Sending ${count(sending.answered)} of ${count(sending.total)} updates`
      : status.pendingFiles > 0
        ? `Syncing ${plural(status.pendingFiles, 'file')}…`
        : 'Syncing…';
    return { tone: 'syncing', text, time: null, progress, busy, items };
  }
  if (status.paused || status.health === 'paused') {
    return { tone: 'paused', text: 'Paused — nothing is applied until you resume', time: lastApplied, progress: null, busy, items };
  }
  if (status.pendingFiles > 0) {
    return { tone: 'ok', text: `${plural(status.pendingFiles, 'file')} waiting for the next sync`, time: lastApplied, progress: null, busy, items };
  }
  return {
    tone: 'ok',
    text: status.lastSuccess ? 'Up to date' : 'Up to date — no file applied yet',
    time: lastApplied,
    progress: null,
    busy,
    items,
  };
}
